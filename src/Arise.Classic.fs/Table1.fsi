/// The paper's benchmark protocol (Table 1, S1–S3): defect levels, which prototype classes each method is designed
/// for, and the published accuracies (%) to print beside ours.
module Arise.Classic.Table1

/// One column of the table: η = fraction of atoms removed, δ = displacement amplitude as a fraction of d_NN
/// (uniform in [−δ·d_NN, +δ·d_NN] per coordinate).
type Level =
    { Name: string
      Eta: float
      Delta: float }

/// Pristine, δ 0.1–10 %, η 1–30 %, and the combined (η, δ) pairs of Table S3: 21 columns.
val levels: Level list

/// Column heading of a level ("δ 1 %", "η 5 %", "η 10 % δ 1 %").
val heading: l: Level -> string

/// The classes PTM is designed for in the paper (7 elemental, 5 binary) and the label our PTM gives them.
val ptmClasses: (string * string) list

/// The classes CNA, a-CNA and bond-angle analysis are designed for.
val cnaClasses: (string * Arise.Classic.CnaType) list

/// The fixed CNA cutoff of the paper's OVITO setting (Å), for every structure.
val paperCnaCutoff: float

/// Published accuracies (%), in `levels` order (Tables 1, S1, S2, S3; per atom for PTM/CNA/a-CNA/BAA, per
/// structure for spglib and ARISE). Rows ending in * include all 108 classes.
val paper: Map<string, Map<string, float>>

/// The paper's value for a row and level name, if published.
val paperValue: row: string -> level: string -> float option
