//! Prints a few generated documents (`cargo test --release -p solieu-gen --test show -- --nocapture --ignored`).
use std::path::PathBuf;

#[test]
#[ignore]
fn show() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lex = solieu_ingest::Lexicon::load(&root.join("pipelines/lexicon")).expect("lexicon");
    let t =
        solieu_gen::Templates::load(&root.join("pipelines/gen/frames.toml"), &lex).expect("frames");
    let g = solieu_gen::Generator::new(t, 1);
    for i in 0..2 {
        let d = g.doc(i);
        println!("{}\n{}\n", d.text, d.gold.to_json_line());
    }
}
