//! placeholder, replaced by the RandomState port
