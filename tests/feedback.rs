//! Feedback that teaches (issue 13, parts 2-5), through the real binary: the
//! student's line for a panic inside a dependency, readable numbers with the
//! input behind them (public cases only), the output layer named first,
//! generic hints, and Markdown for Gradescope.
//!
//! Figures come from the fixtures (the reference's outputs) or are derived
//! by hand next to each assertion.

mod common;

use common::{fixture, grade_source, mutant_source, solution_source, Graded};

/// The solution with each `(from, to)` made (each `from` occurs once).
fn changed(lab: &str, edits: &[(&str, &str)]) -> String {
    let mut source = solution_source(lab);
    for (from, to) in edits {
        assert_eq!(source.matches(from).count(), 1, "`{from}` must occur once");
        source = source.replace(from, to);
    }
    source
}

/// A test's feedback lines for public cases and for hidden ones.
fn lines(graded: &Graded, test: &str) -> (Vec<String>, Vec<String>) {
    let output = graded.test(test)["output"].as_str().unwrap().to_string();
    let failed: Vec<String> = output
        .lines()
        .filter(|l| l.contains('✗'))
        .map(str::to_string)
        .collect();
    let (hidden, public) = failed.into_iter().partition(|l| l.contains("hidden case"));
    (public, hidden)
}

/// A hidden case's line holds no number but its own case number.
fn check_hidden_has_no_figures(hidden: &[String]) {
    assert!(!hidden.is_empty());
    for line in hidden {
        let rest = line.split_once(':').map_or("", |(_, r)| r);
        assert!(!rest.chars().any(|c| c.is_ascii_digit()), "{line}");
        assert!(!rest.contains(" for "), "{line}");
    }
}

#[test]
fn tiny_numbers_are_scientific_with_the_input_behind_them_on_public_cases_only() {
    // σ'(z) computed as z(1 - z): at z = 30 (the fixtures' z[0, 0], per their
    // origin "z[0,0] = 30") that is 30 · (1 - 30) = -870; the reference's
    // σ'(30) is the fixture's 9.348077867342945e-14. The lab's catalogue
    // names this mistake, so no generic hint is added.
    let (_, source) = mutant_source("cs240", "sigmoid_derivative_of_activation");
    let graded = grade_source("cs240", &source);
    let want = fixture("cs240", "small_3_5_2")["expected"]["sigmoid_derivative"]["value"]["data"]
        [0]
    .as_f64()
    .unwrap();
    assert_eq!(want, 9.348077867342945e-14);
    let (public, hidden) = lines(&graded, "sigmoid_derivative");
    assert_eq!(public.len(), 2, "{public:?}");
    for line in &public {
        assert!(
            line.contains(
                "first at [0, 0]: expected 9.348077867342945e-14, got -870 (for z[0, 0] = 30)"
            ),
            "{line}"
        );
    }
    check_hidden_has_no_figures(&hidden);
    for line in public.iter().chain(&hidden) {
        assert!(!line.contains("hint:"), "{line}");
    }
    for line in &hidden {
        assert!(line.ends_with("value: wrong values"), "{line}");
    }
}

#[test]
fn values_outside_an_activations_range_are_called_that() {
    // σ(z)(1 + σ(z)) instead of σ(z)(1 - σ(z)): every expected σ' lies in
    // (0, 1/4], and at z = 30 (σ ≈ 1) this gives about 2.
    let source = changed(
        "cs240",
        &[("&s * &s.mapv(|v| 1.0 - v)", "&s * &s.mapv(|v| 1.0 + v)")],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "sigmoid_derivative");
    assert_eq!(public.len(), 2, "{public:?}");
    // The same arithmetic as the mutant, element by element, on z = 30.
    let s = 1.0 / (1.0 + (-30.0f64).exp());
    let got = s * (1.0 + s);
    for line in &public {
        assert!(
            line.contains(&format!(
                "expected 9.348077867342945e-14, got {got} (for z[0, 0] = 30)"
            )),
            "{line}"
        );
        assert!(
            line.contains(
                "hint: values outside an activation's range? (every expected value lies in [0, 1]"
            ),
            "{line}"
        );
    }
    for line in &hidden {
        assert!(
            line.ends_with("value: wrong values; hint: values outside an activation's range?"),
            "{line}"
        );
    }
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn list_outputs_name_the_output_layer_first() {
    // back_propagation's output delta doubled (2(a - y), as from a cost
    // without ½): every later delta is that one times matrices, so every
    // layer's gradient is doubled. Both of small_3_5_2's bias gradients are
    // wrong: the output layer's (dc_db[1]) is reported, naming dc_db[0].
    let source = changed(
        "cs240",
        &[(
            "cost_derivative(&activations[layers], y) * sigmoid_derivative(",
            "cost_derivative(&activations[layers], y) * 2.0 * sigmoid_derivative(",
        )],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "back_propagation (biases)");
    let small = public.iter().find(|l| l.contains("small_3_5_2")).unwrap();
    assert!(small.contains(": dc_db[1] (output layer): "), "{small}");
    assert!(small.contains("dc_db[0] is wrong too"), "{small}");
    assert!(
        small.contains("hint: a constant factor? (every value is ×2 the expected one)"),
        "{small}"
    );
    // The lab's network [784, 8, 8, 10] has three layers.
    let lab = public
        .iter()
        .find(|l| l.contains("lab_784_8_8_10"))
        .unwrap();
    assert!(lab.contains(": dc_db[2] (output layer): "), "{lab}");
    assert!(lab.contains("dc_db[1], dc_db[0] are wrong too"), "{lab}");
    check_hidden_has_no_figures(&hidden);
    for line in &hidden {
        assert!(
            line.ends_with(
                ": dc_db (output layer): wrong values; other entries are wrong too; \
                 hint: a constant factor?"
            ),
            "{line}"
        );
    }
}

#[test]
fn a_reversed_gradient_list_reports_the_output_layer_first() {
    // Without the final reverse, dc_db runs from the output layer back:
    // on small_3_5_2 ([3, 5, 2]) shapes (2, 1), (5, 1) instead of (5, 1), (2, 1).
    // (The lab's catalogue names this mistake; the generic "in reverse
    // order?" is for lists it does not know, below.)
    let source = changed("cs240", &[("        dc_db.reverse();\n", "")]);
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "back_propagation (biases)");
    let small = public.iter().find(|l| l.contains("small_3_5_2")).unwrap();
    assert!(
        small.contains("dc_db[1] (output layer): expected shape (2, 1), got (5, 1)"),
        "{small}"
    );
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn a_reversed_list_is_called_that() {
    // The cost history returned last epoch first.
    let source = changed(
        "cs240",
        &[(
            "            cost_history.push(self.cost(training_data));\n        }\n        cost_history\n",
            "            cost_history.push(self.cost(training_data));\n        }\n        cost_history.reverse();\n        cost_history\n",
        )],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "mini_batch_GD");
    assert_eq!(public.len(), 2, "{public:?}");
    for line in public.iter().chain(&hidden) {
        assert!(line.contains("hint: in reverse order?"), "{line}");
    }
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn constant_factors_are_named_with_their_factor_on_public_cases() {
    // The cost's data: 12 examples in lab_784_8_8_10 (13 drawn, the first is
    // x, y), 25 in small_3_5_2 (the fixtures' "data" lists). Without the ½
    // and summed instead of averaged: ×2n; averaged twice: ×1/n.
    assert_eq!(
        fixture("cs240", "lab_784_8_8_10")["inputs"]["data"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(
        fixture("cs240", "small_3_5_2")["inputs"]["data"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    let summed = changed(
        "cs240",
        &[
            (
                "0.5 * diff.mapv(|d| d * d).sum()",
                "diff.mapv(|d| d * d).sum()",
            ),
            ("total / data.len() as f64", "total"),
        ],
    );
    let graded = grade_source("cs240", &summed);
    let (public, hidden) = lines(&graded, "cost");
    let find = |name: &str| public.iter().find(|l| l.contains(name)).unwrap().clone();
    assert!(
        find("lab_784_8_8_10")
            .contains("hint: a constant factor? (every value is ×24 the expected one)"),
        "{public:?}"
    );
    assert!(
        find("small_3_5_2")
            .contains("hint: a constant factor? (every value is ×50 the expected one)"),
        "{public:?}"
    );
    for line in &hidden {
        assert!(
            line.ends_with("value: wrong value; hint: a constant factor?"),
            "{line}"
        );
    }
    check_hidden_has_no_figures(&hidden);
    let twice = changed(
        "cs240",
        &[(
            "total / data.len() as f64",
            "total / (data.len() * data.len()) as f64",
        )],
    );
    let graded = grade_source("cs240", &twice);
    let (public, _) = lines(&graded, "cost");
    let find = |name: &str| public.iter().find(|l| l.contains(name)).unwrap().clone();
    assert!(
        find("lab_784_8_8_10").contains("every value is ×1/12 the expected one"),
        "{public:?}"
    );
    assert!(
        find("small_3_5_2").contains("every value is ×1/25 the expected one"),
        "{public:?}"
    );
}

#[test]
fn a_sign_flip_is_named() {
    // σ(z)(σ(z) - 1): every σ' negated. At z = ±30 (the first two elements)
    // σ' is about 9.35e-14, and so is its negation within the test's 1e-12
    // absolute tolerance: the first difference is the third element, [0, 2].
    let source = changed(
        "cs240",
        &[("&s * &s.mapv(|v| 1.0 - v)", "&s * &s.mapv(|v| v - 1.0)")],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "sigmoid_derivative");
    assert_eq!(public.len(), 2, "{public:?}");
    for case in ["lab_784_8_8_10", "small_3_5_2"] {
        let f = fixture("cs240", case);
        let z = f["inputs"]["z"]["data"][2].as_f64().unwrap();
        let w = f["expected"]["sigmoid_derivative"]["value"]["data"][2]
            .as_f64()
            .unwrap();
        let line = public.iter().find(|l| l.contains(case)).unwrap();
        assert!(
            line.contains(&format!(
                "first at [0, 2]: expected {w}, got -{w} (for z[0, 2] = {z})"
            )),
            "{line}"
        );
    }
    for line in public.iter().chain(&hidden) {
        assert!(line.contains("hint: sign flipped?"), "{line}");
    }
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn an_item_reading_two_inputs_element_wise_shows_both() {
    // a + y instead of a - y. cost_derivative reads output_activations and y
    // element by element. small_3_5_2's (its fixture): a = [0.7348190582693819,
    // 0.5419617722295935], y = [0, 1]; [0, 0] agrees (y = 0), [1, 0] does not:
    // expected a - y = -0.4580382277704065 (the fixture), got a + y.
    let source = changed(
        "cs240",
        &[(
            "    output_activations - y\n",
            "    output_activations + y\n",
        )],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "cost_derivative");
    let small = public.iter().find(|l| l.contains("small_3_5_2")).unwrap();
    let got = 0.5419617722295935f64 + 1.0;
    assert!(
        small.contains(&format!(
            "first at [1, 0]: expected -0.4580382277704065, got {got} \
             (for output_activations[1, 0] = 0.5419617722295935, y[1, 0] = 1)"
        )),
        "{small}"
    );
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn a_history_recorded_one_step_late_is_a_shifted_sequence() {
    // An off-by-one epoch loop (0..=epochs) that skips recording the first
    // epoch: the shuffles and updates run as in the reference, so the value
    // recorded at [i] is the expected one at [i + 1].
    let source = changed(
        "cs240",
        &[
            ("        for _ in 0..epochs {\n", "        for epoch in 0..=epochs {\n"),
            (
                "            cost_history.push(self.cost(training_data));\n",
                "            if epoch > 0 {\n                cost_history.push(self.cost(training_data));\n            }\n",
            ),
        ],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "mini_batch_GD");
    assert_eq!(public.len(), 2, "{public:?}");
    for line in &public {
        assert!(
            line.contains(
                "hint: shifted by one place? (your value at [i] is the expected value at [i + 1]"
            ),
            "{line}"
        );
    }
    for line in &hidden {
        assert!(line.ends_with("hint: shifted by one place?"), "{line}");
    }
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn items_that_are_not_element_wise_show_no_input() {
    // forward_pass reads a network: no element of its output stands for one
    // input element, so no input is named (though y has the output's shape).
    let source = changed(
        "cs240",
        &[(
            "a = sigmoid(&(w.t().dot(&a) + b));",
            "a = sigmoid(&(w.t().dot(&a) - b));",
        )],
    );
    let graded = grade_source("cs240", &source);
    let output = graded.test("forward_pass")["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(output.contains("✗"), "{output}");
    assert!(!output.contains(" (for "), "{output}");
}

#[test]
fn a_transposed_answer_is_called_that_on_hidden_cases_too() {
    // σ applied to zᵀ: small_3_5_2's z is (5, 4) (its fixture), so the
    // answer is (4, 5).
    let source = changed(
        "cs240",
        &[(
            "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))",
            "z.t().mapv(|v| 1.0 / (1.0 + (-v).exp()))",
        )],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "sigmoid");
    let small = public.iter().find(|l| l.contains("small_3_5_2")).unwrap();
    assert!(
        small.contains("value: expected shape (5, 4), got (4, 5)"),
        "{small}"
    );
    for line in public.iter().chain(&hidden) {
        assert!(line.contains("hint: transposed?"), "{line}");
    }
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn a_panic_inside_ndarray_is_reported_at_the_students_line() {
    // w · a instead of wᵀ · a: ndarray refuses the shapes (784 × 8 by
    // 784 × 1 for the lab's first layer) and panics in its own source. The
    // student's line is the one changed here.
    let source = changed(
        "cs240",
        &[(
            "a = sigmoid(&(w.t().dot(&a) + b));",
            "a = sigmoid(&(w.dot(&a) + b));",
        )],
    );
    let line = 1 + source
        .lines()
        .position(|l| l.contains("a = sigmoid(&(w.dot(&a) + b));"))
        .unwrap();
    let graded = grade_source("cs240", &source);
    let output = graded.test("forward_pass")["output"]
        .as_str()
        .unwrap()
        .to_string();
    let (public, hidden) = lines(&graded, "forward_pass");
    assert_eq!(public.len(), 2, "{output}");
    // The probe is built without line tables; this panic makes the grader
    // build it again with them (src/grading/locate.rs) to name the line.
    let want = format!("inside ndarray, called from src/lib.rs:{line}");
    for l in &public {
        assert!(l.contains(&want), "{l}");
    }
    for l in public.iter().chain(&hidden) {
        assert!(
            !l.contains(".cargo") && !l.contains("registry") && !l.contains("/rustc/"),
            "{l}"
        );
    }
    for l in &hidden {
        assert!(l.ends_with(": panicked"), "{l}");
    }
}

#[test]
fn results_json_is_markdown_with_student_text_inside_a_code_block() {
    // A panic message full of Markdown and HTML: in results.json (rendered as
    // Markdown by Gradescope) it sits in a fenced code block, longer than its
    // own backtick runs, so none of it is markup; every line is unchanged.
    let source = changed(
        "cs240",
        &[(
            "        let total: f64 = data\n",
            "        panic!(\"see [here](http://x.example) ``` <b>bold</b> **x**\");\n        #[allow(unreachable_code)]\n        let total: f64 = data\n",
        )],
    );
    let graded = grade_source("cs240", &source);
    assert_eq!(graded.results["output_format"], "md");
    let output = graded.test("cost")["output"].as_str().unwrap().to_string();
    let lines: Vec<&str> = output.lines().collect();
    // The heading, a blank line, then the block: its fence is 4 backticks
    // (the message holds a run of 3).
    assert_eq!(lines[..3], ["0 of 4 cases passed.", "", "````"], "{output}");
    assert_eq!(*lines.last().unwrap(), "````", "{output}");
    let inside = &lines[3..lines.len() - 1];
    assert!(!inside.iter().any(|l| l.starts_with("````")), "{output}");
    assert!(
        inside.iter().any(|l| l.contains(
            "panicked: see [here](http://x.example) ``` <b>bold</b> **x** at src/lib.rs:"
        )),
        "{output}"
    );
    // A passing test is written the same way, and the top output is plain.
    let sigmoid = graded.test("sigmoid")["output"].as_str().unwrap();
    assert!(
        sigmoid.starts_with("4 of 4 cases passed.\n\n```\n✓ case "),
        "{sigmoid}"
    );
    // The terminal table still shows the text itself.
    let table = String::from_utf8_lossy(&graded.output.stdout);
    assert!(!table.contains("````"), "{table}");
    assert!(table.contains("✗ case lab_784_8_8_10"), "{table}");
}

#[test]
fn a_panic_inside_ndarray_names_the_students_line_in_the_functions_own_tests() {
    // wᵀ · δ instead of w · δ for the hidden layers' delta: ndarray refuses
    // the shapes ((2, 5) by (2, 1) on small_3_5_2's last layer) inside its
    // own source. back_propagation's own tests (7.1, 7.2) fail on it, and
    // so does mini_batch_GD, which calls it: every one names the line.
    let source = changed(
        "cs240",
        &[(
            "Some(self.weights[l].dot(&delta) * sigmoid_derivative(&zs[l - 1]))",
            "Some(self.weights[l].t().dot(&delta) * sigmoid_derivative(&zs[l - 1]))",
        )],
    );
    let line = 1 + source
        .lines()
        .position(|l| l.contains("self.weights[l].t().dot(&delta)"))
        .unwrap();
    let graded = grade_source("cs240", &source);
    let want = format!("inside ndarray, called from src/lib.rs:{line}");
    for test in ["back_propagation (biases)", "back_propagation (weights)"] {
        let (public, hidden) = lines(&graded, test);
        assert_eq!(public.len(), 2, "{test}: {}", graded.test(test));
        for l in &public {
            assert!(l.contains(&want), "{test}: {l}");
            assert!(!l.contains("called from your `"), "{test}: {l}");
        }
        for l in &hidden {
            assert!(l.ends_with(": panicked"), "{l}");
        }
    }
    let table = String::from_utf8_lossy(&graded.output.stdout);
    assert!(table.contains(&format!("src/lib.rs:{line}")), "{table}");
    // mini_batch_GD passes with the reference's back_propagation; its result
    // as written names the line too.
    let mini = graded.test("mini_batch_GD")["output"].as_str().unwrap();
    assert!(
        mini.contains("As written (with your own back_propagation)"),
        "{mini}"
    );
    assert_eq!(mini.matches(&want).count(), 2, "{mini}");

    // With σ'(z) computed as σ(z)(1 - σ(z)) from the activation as well (a
    // known mistake), back_propagation is graded again with the reference's
    // sigmoid_derivative, and still panics the same way: the result, said
    // once for both, names the line in each public case.
    let (m, _) = mutant_source("cs240", "sigmoid_derivative_of_activation");
    assert_eq!(source.matches(&m.from).count(), 1);
    let both = source.replace(&m.from, &m.to);
    let line = 1 + both
        .lines()
        .position(|l| l.contains("self.weights[l].t().dot(&delta)"))
        .unwrap();
    let want = format!("inside ndarray, called from src/lib.rs:{line}");
    let graded = grade_source("cs240", &both);
    for test in ["back_propagation (biases)", "back_propagation (weights)"] {
        let output = graded.test(test)["output"].as_str().unwrap();
        assert!(
            output.contains(
                "Graded again with the reference's sigmoid_derivative in place of yours: \
                 the same result"
            ),
            "{output}"
        );
        assert_eq!(output.matches(&want).count(), 2, "{output}");
        assert!(!output.contains("called from your `"), "{output}");
    }
}

#[test]
fn failed_cases_are_counted_once_though_both_results_show_them() {
    // Two bugs: back_propagation's output delta doubled, and the cost
    // history returned last epoch first. mini_batch_GD fails as written and
    // again with the reference's back_propagation (its own bug): its
    // feedback shows both results, each failing all 4 of its cases.
    let source = changed(
        "cs240",
        &[
            (
                "cost_derivative(&activations[layers], y) * sigmoid_derivative(",
                "cost_derivative(&activations[layers], y) * 2.0 * sigmoid_derivative(",
            ),
            (
                "            cost_history.push(self.cost(training_data));\n        }\n        cost_history\n",
                "            cost_history.push(self.cost(training_data));\n        }\n        cost_history.reverse();\n        cost_history\n",
            ),
        ],
    );
    let graded = grade_source("cs240", &source);
    let cases = graded.test("mini_batch_GD")["output"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|l| l.trim_start().starts_with('✗'))
        .count();
    assert_eq!(
        cases, 8,
        "both results, 4 failed cases each: {}",
        graded.results
    );
    let table = String::from_utf8_lossy(&graded.output.stdout);
    let mini = table
        .split("mini_batch_GD")
        .nth(1)
        .and_then(|rest| rest.split("back_propagation").next())
        .unwrap();
    assert!(mini.contains("(and 3 more failed cases)"), "{table}");
    assert!(!table.contains("(and 7 more failed cases)"), "{table}");
}

#[test]
fn an_update_that_never_happened_is_called_that() {
    // GradientDescentOptimizer's step subtracts from a copy of the weights:
    // every layer's weights come back exactly as they went in (the bias is
    // updated). The fixtures' inputs hold them, and the reference's differ.
    let source = changed(
        "modular",
        &[(
            "                linear.weights -= &(&linear.d_weights * self.learning_rate);\n",
            "                let mut weights = linear.weights.clone();\n                weights -= &(&linear.d_weights * self.learning_rate);\n",
        )],
    );
    let graded = grade_source("modular", &source);
    let (public, hidden) = lines(&graded, "GradientDescentOptimizer");
    assert_eq!(
        public.len(),
        2,
        "{}",
        graded.test("GradientDescentOptimizer")
    );
    for case in ["small_batches", "single_example"] {
        let f = fixture("modular", case);
        let given = f["inputs"]["optimizer"]["layers"][0]["weights"]["data"][0]
            .as_f64()
            .unwrap();
        let line = public.iter().find(|l| l.contains(case)).unwrap();
        assert!(line.contains("weights 1: "), "{line}");
        assert!(line.contains(&format!("got {given}")), "{line}");
        assert!(
            line.contains(
                "your weights 1 is exactly one of the case's inputs, returned unchanged: \
                 computed (or updated) on a copy, or not at all?"
            ),
            "{line}"
        );
    }
    // Whether an answer equals an input depends on the inputs: a hidden
    // case does not say it.
    for line in &hidden {
        assert!(!line.contains("inputs"), "{line}");
        assert!(!line.contains("unchanged"), "{line}");
    }
    // A history that never moves: the updates go to copies of the network's
    // weights and biases, so every epoch's cost is the first one's.
    let source = changed(
        "cs240",
        &[
            (
                "for (b, s) in self.biases.iter_mut().zip(&sum_db) {",
                "for (b, s) in self.biases.clone().iter_mut().zip(&sum_db) {",
            ),
            (
                "for (w, s) in self.weights.iter_mut().zip(&sum_dw) {",
                "for (w, s) in self.weights.clone().iter_mut().zip(&sum_dw) {",
            ),
        ],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "mini_batch_GD");
    assert_eq!(public.len(), 2, "{}", graded.test("mini_batch_GD"));
    for line in &public {
        assert!(
            line.contains("hint: the same value in every entry? (every entry of yours is ")
                && line.contains("the steps never changed the model?)"),
            "{line}"
        );
    }
    for line in &hidden {
        assert!(
            line.ends_with("hint: the same value in every entry?"),
            "{line}"
        );
    }
    check_hidden_has_no_figures(&hidden);
}

#[test]
fn a_factor_is_written_as_people_write_it() {
    // (a - y) · (1 - 0.93): every value ×0.07, which the division of the
    // student's value by the expected one gives as 0.06999999999999995 or
    // so (1 - 0.93 is itself 0.06999999999999995 in f64).
    assert_ne!(format!("{}", 1.0f64 - 0.93), "0.07");
    let source = changed(
        "cs240",
        &[(
            "    output_activations - y\n",
            "    (output_activations - y) * (1.0 - 0.93)\n",
        )],
    );
    let graded = grade_source("cs240", &source);
    let (public, hidden) = lines(&graded, "cost_derivative");
    assert_eq!(public.len(), 2, "{public:?}");
    for line in &public {
        assert!(
            line.contains("hint: a constant factor? (every value is ×0.07 the expected one)"),
            "{line}"
        );
    }
    for line in &hidden {
        assert!(line.ends_with("hint: a constant factor?"), "{line}");
    }
}

#[test]
fn a_line_tables_rerun_never_carries_a_hidden_cases_words_into_a_shown_line() {
    // The panic's line is added to a test graded again by rewriting its
    // words. This code panics with the same words on every small case, and
    // on the line-table rerun of a hidden case (told by the backtrace naming
    // src/lib.rs) puts that case's inputs into them: they must reach no
    // line that is shown.
    let source = changed(
        "cs240",
        &[
            (
                "z.mapv(|v| 1.0 / (1.0 + (-v).exp()))",
                "z.mapv(|v| 1.01 / (1.0 + (-v).exp()))",
            ),
            (
                "    pub fn forward_pass(&self, x: &Array2<f64>) -> Array2<f64> {\n",
                "    pub fn forward_pass(&self, x: &Array2<f64>) -> Array2<f64> {\n\
                 let trace = std::backtrace::Backtrace::force_capture().to_string();\n\
                 let rerun = trace.lines().any(|l| l.trim().starts_with(\"at \") && l.contains(\"src/lib.rs:\"));\n\
                 if rerun && (x.nrows() == 5 || x.nrows() == 6) {\n\
                     panic!(\"LEAKED {:?}, called from here\", x.iter().take(8).collect::<Vec<_>>());\n\
                 }\n\
                 if x.nrows() != 784 {\n\
                     panic!(\"X, called from your `forward_pass`\");\n\
                 }\n",
            ),
        ],
    );
    let graded = grade_source("cs240", &source);
    let output = graded.test("forward_pass")["output"].as_str().unwrap();
    // Graded again (sigmoid is wrong too), and the small case panicked.
    assert!(output.contains("reference's sigmoid"), "{output}");
    assert!(output.contains("✗ case small_3_5_2"), "{output}");
    let whole = graded.results.to_string();
    assert!(!whole.contains("LEAKED"), "{whole}");
    let stdout = String::from_utf8_lossy(&graded.output.stdout);
    assert!(!stdout.contains("LEAKED"), "{stdout}");
}
