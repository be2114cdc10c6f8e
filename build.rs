//! Only for the student build (feature `student`): bundles what grading needs
//! into the binary, minus every answer. Per lab: `lab.toml`, the handout and
//! probe sources (solution regions replaced by `todo!()`), the rubric with its
//! hidden cases removed, and the public cases' fixtures and known mistakes'
//! outputs (not the catalogue, which quotes the solution); plus the wire format,
//! the RNG and the lock file. The full build embeds nothing.

#[cfg(feature = "student")]
#[path = "src/lab/regions.rs"]
mod regions;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "student")]
    student::bundle();
}

#[cfg(feature = "student")]
mod student {
    use super::regions;
    use std::path::PathBuf;

    pub fn bundle() {
        let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
        let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("bundle");
        let _ = std::fs::remove_dir_all(&out);
        for watched in [
            "reference/labs",
            "reference/src",
            "rubrics",
            "fixtures",
            "Cargo.lock",
        ] {
            println!("cargo:rerun-if-changed={watched}");
        }
        let mut files: Vec<String> = Vec::new();
        let mut put = |rel: &str, bytes: Vec<u8>| {
            let dest = out.join(rel);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(&dest, bytes).unwrap();
            files.push(rel.to_string());
        };
        for rel in [
            "Cargo.lock",
            "reference/src/wire.rs",
            "reference/src/instances.rs",
            "reference/src/rng.rs",
        ] {
            put(rel, std::fs::read(root.join(rel)).unwrap());
        }
        for lab in std::fs::read_dir(root.join("reference/labs")).unwrap() {
            let lab = lab.unwrap().path();
            let name = lab.file_name().unwrap().to_string_lossy().into_owned();
            if !lab.join("lab.toml").is_file() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&lab).sort_by_file_name() {
                let entry = entry.unwrap();
                // Follows links: the lab's rng.rs is a link to reference/src/rng.rs.
                // The known mistakes' catalogue quotes the solution: never
                // bundled (their outputs are, for public cases only).
                if !entry.path().is_file() || entry.file_name() == "mistakes.toml" {
                    continue;
                }
                let rel = entry
                    .path()
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let mut bytes = std::fs::read(entry.path()).unwrap();
                if rel.ends_with(".rs") {
                    let text = String::from_utf8(bytes).unwrap();
                    bytes = regions::render(&text, regions::Form::Handout, &rel)
                        .unwrap_or_else(|e| panic!("{e}"))
                        .into_bytes();
                }
                put(&rel, bytes);
            }
            let rubric_rel = format!("rubrics/{name}.toml");
            let Ok(text) = std::fs::read_to_string(root.join(&rubric_rel)) else {
                continue;
            };
            let (public_rubric, public_cases) = public_only(&text);
            put(&rubric_rel, public_rubric.into_bytes());
            for case in &public_cases {
                let rel = format!("fixtures/{name}/{case}.json");
                put(&rel, std::fs::read(root.join(&rel)).unwrap());
            }
            let rel = format!("fixtures/{name}/mistakes.json");
            if let Ok(text) = std::fs::read_to_string(root.join(&rel)) {
                put(&rel, public_mistakes(&text, &public_cases).into_bytes());
            }
        }
        let mut index = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
        for rel in &files {
            index.push_str(&format!(
                "    ({rel:?}, include_bytes!({:?})),\n",
                out.join(rel).display().to_string()
            ));
        }
        index.push_str("];\n");
        std::fs::write(out.parent().unwrap().join("bundle.rs"), index).unwrap();
    }

    /// The known mistakes' outputs on public cases only (a mistake seen only
    /// on hidden cases is left out).
    fn public_mistakes(text: &str, public: &[String]) -> String {
        let mut file: serde_json::Value = serde_json::from_str(text).unwrap();
        let mistakes = file["mistakes"].as_array_mut().unwrap();
        for m in mistakes.iter_mut() {
            let outputs = m["outputs"].as_object_mut().unwrap();
            outputs.retain(|case, _| public.contains(case));
        }
        mistakes.retain(|m| !m["outputs"].as_object().unwrap().is_empty());
        serde_json::to_string(&file).unwrap()
    }

    /// The rubric without its hidden cases (tests that used only hidden cases
    /// are dropped, so the lab's total is no longer checked), and the public
    /// case ids.
    fn public_only(text: &str) -> (String, Vec<String>) {
        let mut rubric: toml::Table = text.parse().unwrap();
        let cases = rubric["cases"].as_array().unwrap().clone();
        let public: Vec<String> = cases
            .iter()
            .filter(|c| !c.get("hidden").and_then(|h| h.as_bool()).unwrap_or(false))
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        rubric.insert(
            "cases".into(),
            toml::Value::Array(
                cases
                    .into_iter()
                    .filter(|c| public.iter().any(|p| Some(p.as_str()) == c["id"].as_str()))
                    .collect(),
            ),
        );
        let tests = rubric["tests"].as_array().unwrap().clone();
        let mut kept = Vec::new();
        for mut t in tests {
            if let Some(listed) = t.get("cases").and_then(|c| c.as_array()).cloned() {
                let visible: Vec<toml::Value> = listed
                    .into_iter()
                    .filter(|c| public.iter().any(|p| Some(p.as_str()) == c.as_str()))
                    .collect();
                if visible.is_empty() {
                    continue;
                }
                t.as_table_mut()
                    .unwrap()
                    .insert("cases".into(), toml::Value::Array(visible));
            }
            kept.push(t);
        }
        rubric.insert("tests".into(), toml::Value::Array(kept));
        rubric.remove("total_points");
        (
            format!(
                "# Student build: public cases only.\n{}",
                toml::to_string(&rubric).unwrap()
            ),
            public,
        )
    }
}
