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
let levels =
    [ "pristine", 0.0, 0.0
      "d0.1", 0.0, 0.001
      "d0.6", 0.0, 0.006
      "d1", 0.0, 0.01
      "d2", 0.0, 0.02
      "d4", 0.0, 0.04
      "d7", 0.0, 0.07
      "d10", 0.0, 0.10
      "e1", 0.01, 0.0
      "e5", 0.05, 0.0
      "e10", 0.10, 0.0
      "e20", 0.20, 0.0
      "e25", 0.25, 0.0
      "e30", 0.30, 0.0
      "c1-0.1", 0.01, 0.001
      "c5-0.6", 0.05, 0.006
      "c10-1", 0.10, 0.01
      "c15-2", 0.15, 0.02
      "c20-4", 0.20, 0.04
      "c25-7", 0.25, 0.07
      "c30-10", 0.30, 0.10 ]
    |> List.map (fun (n, e, d) -> { Name = n; Eta = e; Delta = d })

/// Column heading of a level ("δ 1 %", "η 5 %", "η 10 % δ 1 %").
let heading (l: Level) =
    match l.Eta, l.Delta with
    | 0.0, 0.0 -> "pristine"
    | 0.0, d -> sprintf "δ %g %%" (100.0 * d)
    | e, 0.0 -> sprintf "η %g %%" (100.0 * e)
    | e, d -> sprintf "η %g %% δ %g %%" (100.0 * e) (100.0 * d)

/// The classes PTM is designed for in the paper (7 elemental, 5 binary) and the label our PTM gives them.
let ptmClasses =
    [ "fcc_Cu_A_cF4_225_a", "fcc"
      "hcp_Mg_A_hP2_194_c", "hcp"
      "bcc_W_A_cI2_229_a", "bcc"
      "sc_alphaPo_A_cP1_221_a", "sc"
      "diam_C_A_cF8_227_a", "dcub"
      "HexDiam_C_A_hP4_194_f", "dhex"
      "C", "graphene"
      "BN", "hBN"
      "L10_CuAu", "L10"
      "L12_Cu3Au", "L12"
      "Zincblende_ZnS", "zincblende"
      "Wurtzite_ZnS", "wurtzite" ]

/// The classes CNA, a-CNA and bond-angle analysis are designed for.
let cnaClasses =
    [ "fcc_Cu_A_cF4_225_a", CnaType.Fcc
      "hcp_Mg_A_hP2_194_c", CnaType.Hcp
      "bcc_W_A_cI2_229_a", CnaType.Bcc ]

/// The fixed CNA cutoff of the paper's OVITO setting (Å), for every structure.
let paperCnaCutoff = 3.2

/// Published accuracies (%), in `levels` order (Tables 1, S1, S2, S3; per atom for PTM/CNA/a-CNA/BAA, per
/// structure for spglib and ARISE). Rows ending in * include all 108 classes.
let paper =
    [ "spglib loose",
      [ 100.00
        100.00
        100.00
        95.26
        20.00
        0.00
        0.00
        0.00
        11.23
        0.00
        0.00
        0.00
        0.00
        0.00
        11.32
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00 ]
      "spglib loose*",
      [ 67.71
        67.71
        67.71
        65.83
        14.51
        0.00
        0.00
        0.00
        15.73
        0.03
        0.00
        0.00
        0.00
        0.00
        15.76
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00 ]
      "spglib tight",
      [ 100.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        11.23
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00 ]
      "spglib tight*",
      [ 83.33
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        17.53
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00
        0.00 ]
      "PTM",
      [ 100.00
        100.00
        100.00
        100.00
        100.00
        100.00
        100.00
        94.34
        88.67
        51.76
        25.93
        6.24
        3.33
        1.72
        88.68
        51.78
        25.60
        12.75
        6.41
        3.19
        1.46 ]
      "PTM*",
      [ 8.78
        11.37
        11.37
        11.37
        11.37
        11.37
        11.37
        10.71
        10.08
        5.90
        2.96
        0.71
        0.38
        0.19
        10.08
        5.90
        2.92
        1.45
        0.73
        0.36
        0.16 ]
      "CNA",
      [ 66.14
        62.81
        62.81
        54.55
        32.34
        31.41
        31.41
        24.20
        55.86
        32.50
        15.75
        3.07
        1.38
        0.55
        55.77
        31.95
        13.83
        4.41
        2.03
        0.79
        0.19 ]
      "CNA*",
      [ 1.44
        1.62
        1.62
        1.40
        0.83
        0.81
        0.81
        0.62
        1.44
        0.84
        0.41
        0.08
        0.04
        0.01
        1.44
        0.82
        0.36
        0.11
        0.05
        0.02
        0.00 ]
      "a-CNA",
      [ 100.00
        100.00
        100.00
        100.00
        100.00
        100.00
        99.99
        94.55
        89.25
        52.81
        25.92
        5.37
        2.60
        1.03
        89.21
        52.36
        26.01
        12.13
        6.07
        2.40
        0.97 ]
      "a-CNA*",
      [ 2.49
        3.08
        3.08
        3.08
        3.08
        3.08
        3.08
        2.90
        2.75
        1.64
        0.81
        0.17
        0.08
        0.03
        2.75
        1.62
        0.81
        0.38
        0.19
        0.08
        0.03 ]
      "BAA",
      [ 100.00
        100.00
        100.00
        100.00
        100.00
        97.85
        87.79
        69.68
        99.71
        88.78
        65.21
        25.38
        14.25
        7.35
        99.72
        88.98
        65.17
        42.62
        25.95
        15.58
        6.63 ]
      "BAA*",
      [ 2.49
        3.08
        3.08
        3.08
        3.08
        3.03
        2.77
        2.22
        3.08
        2.74
        2.02
        0.81
        0.49
        0.30
        3.07
        2.75
        2.02
        1.34
        0.82
        0.50
        0.22 ]
      "ARISE",
      [ 100.00
        100.00
        100.00
        100.00
        99.86
        99.29
        97.82
        94.56
        100.00
        100.00
        100.00
        99.85
        99.86
        99.76
        100.00
        100.00
        100.00
        99.88
        99.29
        97.31
        92.50 ] ]
    |> List.map (fun (k, v) -> k, List.zip (levels |> List.map (fun l -> l.Name)) v |> Map.ofList)
    |> Map.ofList

/// The paper's value for a row and level name, if published.
let paperValue (row: string) (level: string) =
    paper |> Map.tryFind row |> Option.bind (Map.tryFind level)
