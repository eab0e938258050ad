"""The model (docs/model.md §1): one module per part, numpy in and numpy out; no files, frames or labels."""
