/// `arise benchmark`: the paper's Table 1 protocol for every method on the same generated structures (spglib loose
/// and tight, PTM, CNA with the paper's 3.2 Å cutoff, adaptive CNA, bond-angle analysis, ARISE), per atom and per
/// structure, on the classes each method is designed for and on all 108; the paper's numbers beside ours; Markdown
/// and CSV. `--speed`: atoms per second of each method on a 10⁶-atom fcc sample, beside LAMMPS's cna/atom.
module Arise.Cli.BenchmarkCommand

open System
open System.IO
open System.Diagnostics
open Spectre.Console
open Arise.Structure
open Arise.Structure.Formats
open Arise.Classic
open Arise.Model

/// The methods, by their command-line names.
let methodNames = [ "spglib"; "ptm"; "cna"; "acna"; "baa"; "arise" ]

/// Running totals of one table row at one level.
type private Tally =
    { mutable Atoms: int64
      mutable AtomsCorrect: int64
      mutable Structures: int
      mutable StructuresCorrect: int }

let private tally () =
    { Atoms = 0L
      AtomsCorrect = 0L
      Structures = 0
      StructuresCorrect = 0 }

/// A row of the table at one level: counts over the designed classes (plain row) and over all (starred row).
type private Row = { Designed: Tally; All: Tally }

/// Whether a row has per-atom labels (the local methods) or one label per structure (spglib, ARISE).
let private perAtomRow (rowName: string) =
    not (rowName.StartsWith "spglib" || rowName = "ARISE")

let private inv = Globalization.CultureInfo.InvariantCulture

/// Per-atom labels of the local methods; the class → expected label map; None for classes not designed for.
let private localMethods =
    let cnaExpected =
        Table1.cnaClasses |> List.map (fun (c, t) -> c, Cna.typeName t) |> Map.ofList

    let names (types: CnaType[]) = types |> Array.map Cna.typeName

    [ "ptm", "PTM", (fun s -> Ptm.analyse s |> Array.map Ptm.label), Map.ofList Table1.ptmClasses
      "cna", "CNA", (fun s -> Cna.fixedCutoff Table1.paperCnaCutoff s |> names), cnaExpected
      "acna", "a-CNA", (fun s -> Cna.adaptive s |> names), cnaExpected
      "baa", "BAA", (fun s -> BondAngle.analyse s |> names), cnaExpected ]

let private majority (labels: string[]) =
    Majority.vote (fun (l: string) -> l = "other") labels |> Option.defaultValue ""

/// One benchmark: the structures (name, one supercell, periodic), their d_NN, the methods, the rows, the pipeline
/// and class index of ARISE when it runs, T.
type private Bench =
    { Structures: (string * Structure * bool)[]
      Dnn: float[]
      Methods: string list
      SpglibOk: bool
      RowNames: string list
      Rows: Map<string, Map<string, Row>>
      Arise: (Pipeline * Map<string, int>) option
      Samples: int }

/// The arguments checked in one place: the library, ARISE's model when it is asked for, and the levels.
let private checkArguments (prototypes: string) (methods: string list) (levelNames: string list) (realizations: int) out =
    let unknown = methods |> List.filter (fun m -> not (List.contains m methodNames))

    let unknownLevels =
        levelNames
        |> List.filter (fun l -> Table1.levels |> List.forall (fun x -> x.Name <> l))

    let names (xs: string list) = String.Join(", ", xs)
    let levelChoices = Table1.levels |> List.map (fun l -> l.Name)

    Outputs.result {
        do! Outputs.require unknown.IsEmpty (sprintf "--methods: unknown %s (choose from %s)" (names unknown) (names methodNames))

        do!
            Outputs.require
                unknownLevels.IsEmpty
                (sprintf "--levels: unknown %s (choose from %s)" (names unknownLevels) (names levelChoices))

        do! Outputs.require (realizations >= 1) (sprintf "--realizations %d: must be ≥ 1" realizations)

        do!
            Outputs.require
                (Directory.Exists prototypes)
                (sprintf "--prototypes %s: folder not found (the data release's prototypes/ folder)" prototypes)

        do! Outputs.prepareFolder out |> Result.mapError ((+) "--out ")
        let! lib = TrainCommand.loadLibrary prototypes

        let! model =
            if List.contains "arise" methods then
                Models.load None |> Result.map Some
            else
                Ok None

        let levels =
            if levelNames.IsEmpty then
                Table1.levels
            else
                Table1.levels |> List.filter (fun l -> List.contains l.Name levelNames)

        return lib, model, levels
    }

/// The benchmark's structures, rows and methods; spglib rows only when spglib loads.
let private prepare (lib: PrototypeLibrary) (model: Model option) (levels: Table1.Level list) (methods: string list) samples =
    // one supercell per class (the first training replica, ≥ about 100 atoms); nanotubes as the finite tube
    let structures =
        [| for p in lib.Prototypes ->
               if Prototypes.isFinite p then
                   p.Name, p.Structure, false
               else
                   let (a, b, c) =
                       Supercell.trainingReplicas (Prototypes.isTwoD p) p.Structure |> List.head

                   p.Name, Supercell.repeat a b c p.Structure, true |]

    let spglibOk =
        List.contains "spglib" methods
        && (match Spglib.version () with
            | Ok _ -> true
            | Error e ->
                eprintfn "warning: spglib rows skipped: %s" e
                false)

    let rowNames =
        [ if spglibOk then
              "spglib loose"
              "spglib tight"
          for key, name, _, _ in localMethods do
              if List.contains key methods then
                  name
          if model.IsSome then
              "ARISE" ]

    { Structures = structures
      Dnn =
        structures
        |> Array.map (fun (_, s, _) -> NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0)
      Methods = methods
      SpglibOk = spglibOk
      RowNames = rowNames
      Rows =
        [ for l in levels ->
              l.Name,
              [ for r in rowNames -> r, { Designed = tally (); All = tally () } ]
              |> Map.ofList ]
        |> Map.ofList
      Arise =
        model
        |> Option.map (fun m ->
            Models.pipeline m,
            m.Metadata.Classes
            |> Array.indexed
            |> Array.map (fun (i, c) -> c, i)
            |> Map.ofArray)
      Samples = samples }

/// Scores the classical methods on one defective structure (spglib and the local methods), into the level's rows.
let private scoreClassical (b: Bench) (row: string -> Row) count (name: string, periodic: bool) (s: Structure) =
    let n = Structure.count s

    if b.SpglibOk then
        let expected = if periodic then Spglib.expectedSpaceGroup name else None

        for rowName, tol in [ "spglib loose", Spglib.loose; "spglib tight", Spglib.tight ] do
            match expected with
            | Some sg ->
                let ok =
                    match Spglib.spaceGroup tol s with
                    | Ok(g, _) -> g = sg
                    | Error _ -> false

                count (row rowName) true n (if ok then n else 0) ok
            | None -> count (row rowName) false n 0 false

    for key, rowName, analyse, expected in localMethods do
        if List.contains key b.Methods then
            match (if periodic then Map.tryFind name expected else None) with
            | Some label ->
                let labels = analyse s
                let correct = labels |> Array.filter ((=) label) |> Array.length
                count (row rowName) true n correct (majority labels = label)
            | None -> count (row rowName) false n 0 false

/// Runs one level (its defective copies of every structure, `realizations` each) through every method.
let private runLevel (b: Bench) (realizations: int) (level: Table1.Level) =
    let reps =
        if level.Eta = 0.0 && level.Delta = 0.0 then
            1
        else
            realizations

    let jobs =
        [| for k in 0 .. b.Structures.Length - 1 do
               for r in 0 .. reps - 1 -> k, r |]

    let defective =
        jobs
        |> Array.map (fun (k, r) ->
            let _, s, _ = b.Structures.[k]
            let seed = 1_000_003 * (k + 1) + 7919 * r + (level.Name |> Seq.sumBy int)
            Defects.tableLevel seed level.Eta level.Delta b.Dnn.[k] s)

    let row name = b.Rows.[level.Name].[name]
    let lockObj = obj ()

    let count (r: Row) designed atoms atomsCorrect structureCorrect =
        lock lockObj (fun () ->
            for t in (if designed then [ r.Designed; r.All ] else [ r.All ]) do
                t.Atoms <- t.Atoms + int64 atoms
                t.AtomsCorrect <- t.AtomsCorrect + int64 atomsCorrect
                t.Structures <- t.Structures + 1

                if structureCorrect then
                    t.StructuresCorrect <- t.StructuresCorrect + 1)

    Threading.Tasks.Parallel.For(
        0,
        jobs.Length,
        fun j ->
            let name, _, periodic = b.Structures.[fst jobs.[j]]
            scoreClassical b row count (name, periodic) defective.[j]
    )
    |> ignore

    match b.Arise with
    | Some(p, index) ->
        let preds = Classifier.classify Environment.ProcessorCount 1 b.Samples p defective

        Array.iteri2
            (fun j (k, _) (pred: Result<Classification, string>) ->
                let name, _, _ = b.Structures.[k]

                let ok =
                    match pred, Map.tryFind name index with
                    | Ok c, Some i -> fst c.Ranked.[0] = i
                    | _ -> false

                let n = Structure.count defective.[j]
                count (row "ARISE") true n (if ok then n else 0) ok)
            jobs
            preds
    | None -> ()

/// A table cell: the share correct per atom or per structure (%; NaN when nothing was counted).
let private cell (t: Tally) perAtom =
    if perAtom then
        if t.Atoms = 0L then
            nan
        else
            100.0 * float t.AtomsCorrect / float t.Atoms
    else if t.Structures = 0 then
        nan
    else
        100.0 * float t.StructuresCorrect / float t.Structures

let private fmt (v: float) =
    if Double.IsNaN v then "—" else v.ToString("0.00", inv)

/// Classes a row's method is designed for.
let private designedCount (b: Bench) rowName =
    match rowName with
    | "spglib loose"
    | "spglib tight" ->
        b.Structures
        |> Array.filter (fun (n, _, p) -> p && (Spglib.expectedSpaceGroup n).IsSome)
        |> Array.length
    | "PTM" -> Table1.ptmClasses.Length
    | "CNA"
    | "a-CNA"
    | "BAA" -> Table1.cnaClasses.Length
    | _ -> b.Structures.Length

/// The Markdown lines of one row (per measure), adding its CSV lines to `csv`.
let private rowLines (b: Bench) (levels: Table1.Level list) (csv: Collections.Generic.List<string>) rowName starred =
    let perAtom = perAtomRow rowName
    let key = rowName + (if starred then "*" else "")

    let classes =
        if starred then
            b.Structures.Length
        else
            designedCount b rowName

    let label = sprintf "%s (%d / %d)" key classes b.Structures.Length

    let measures =
        if perAtom then
            [ "per atom", true; "per structure", false ]
        else
            [ "per structure", false ]

    [ if not (starred && rowName = "ARISE") then
          for measure, byAtom in measures do
              let paperMeasure = byAtom = perAtom

              let cells =
                  levels
                  |> List.map (fun l ->
                      let r = b.Rows.[l.Name].[rowName]
                      let v = cell (if starred then r.All else r.Designed) byAtom
                      let p = if paperMeasure then Table1.paperValue key l.Name else None
                      let paper = p |> Option.map (fun x -> x.ToString("0.00", inv))
                      csv.Add(String.Join(",", key, string classes, measure.Replace(' ', '-'), l.Name, fmt v, defaultArg paper ""))

                      match paper with
                      | Some x -> sprintf "%s (%s)" (fmt v) x
                      | None -> fmt v)

              sprintf "| %s | %s | %s |" label measure (String.Join(" | ", cells)) ]

/// The table in Markdown (ours with the paper's beside it) and CSV.
let private table (b: Bench) (levels: Table1.Level list) (prototypes: string) (realizations: int) =
    let csv =
        Collections.Generic.List<string>([ "method,classes,measure,level,ours,paper" ])

    let lines =
        [ sprintf "# Table 1 protocol: ours (paper)\n"
          sprintf
              "%d classes from %s, one periodic supercell each (nanotubes: the finite tube, ARISE only); %d realisation(s) \
                  per defect level; ARISE with T = %d MC samples. Per atom: share of atoms labelled with their class's \
                  label (the paper's measure for PTM, CNA, a-CNA, BAA); per structure: majority vote over the atoms a \
                  method identified (spglib and ARISE: one label per structure, the paper's measure). Rows with * count all \
                  %d classes, the others only the classes a method is designed for. The paper's numbers are printed beside \
                  the measure it used.\n"
              b.Structures.Length
              prototypes
              realizations
              b.Samples
              b.Structures.Length
          "| method | measure | "
          + String.Join(" | ", levels |> List.map Table1.heading)
          + " |"
          "|---|---|" + String.replicate levels.Length "---|"
          for rowName in b.RowNames do
              for starred in [ false; true ] do
                  yield! rowLines b levels csv rowName starred ]

    lines, List.ofSeq csv

/// Every tally of the table (levels, rows, then designed and all), in a fixed order that every process shares.
let private tallies (b: Bench) (levels: Table1.Level list) =
    [| for l in levels do
           for r in b.RowNames do
               let row = b.Rows.[l.Name].[r]
               yield row.Designed
               yield row.All |]

/// Under MPI, each process scores a contiguous block of the levels (each level as one process would: the same defective
/// copies and one batched prediction), and the counts are summed over the processes, so that the table is the one
/// process's. Returns whether this process writes the table (the first).
let private overProcesses (b: Bench) (levels: Table1.Level list) (score: Table1.Level list -> unit) =
    match Batch.world with
    | Some w when w.Size > 1 ->
        let start, count = Arise.Numerics.Mpi.block levels.Length w.Size w.Rank

        if w.Rank = 0 then
            printfn "%d MPI processes (%s): each scores a block of the %d defect levels" w.Size w.Abi levels.Length

        score (levels |> List.skip start |> List.truncate count)
        let mine = tallies b levels

        let summed =
            w.SumAll
                [| for t in mine do
                       yield float t.Atoms
                       yield float t.AtomsCorrect
                       yield float t.Structures
                       yield float t.StructuresCorrect |]

        mine
        |> Array.iteri (fun i t ->
            t.Atoms <- int64 summed.[4 * i]
            t.AtomsCorrect <- int64 summed.[4 * i + 1]
            t.Structures <- int summed.[4 * i + 2]
            t.StructuresCorrect <- int summed.[4 * i + 3])

        w.Rank = 0
    | _ ->
        score levels
        true

/// Runs the table. Returns the exit code.
let run (prototypes: string) (methods: string list) (levelNames: string list) (realizations: int) (samples: int) (out: string) =
    match checkArguments prototypes methods levelNames realizations out with
    | Error e ->
        eprintfn "error: %s" e
        2
    | Ok(lib, model, levels) ->
        let b = prepare lib model levels methods samples
        let clock = Stopwatch.StartNew()

        let first =
            overProcesses b levels (fun mine ->
                Outputs.withProgress "benchmark" (float (mine.Length * b.Structures.Length)) (fun task ->
                    for level in mine do
                        runLevel b realizations level
                        task.Increment(float b.Structures.Length)))

        if not first then
            0
        else

            let lines, csv = table b levels prototypes realizations
            Directory.CreateDirectory out |> ignore
            let md = Path.Combine(out, "benchmark.md")
            File.WriteAllLines(md, lines)
            File.WriteAllLines(Path.Combine(out, "benchmark.csv"), csv)

            for l in lines do
                printfn "%s" l

            printfn "\n%.0f s; wrote %s and benchmark.csv" clock.Elapsed.TotalSeconds md
            0

/// Wall time of a LAMMPS run of `commands` (seconds), or an error.
let private lammpsSeconds (lmp: string) (dir: string) (name: string) (commands: string list) =
    let input = Path.Combine(dir, name + ".in")
    File.WriteAllLines(input, commands)

    try
        let psi =
            ProcessStartInfo(lmp, sprintf "-in %s -log none -nocite -screen none" input, UseShellExecute = false, WorkingDirectory = dir)

        psi.Environment.["OMP_NUM_THREADS"] <- "1"
        let sw = Stopwatch.StartNew()
        use p = Process.Start psi
        p.WaitForExit()

        if p.ExitCode = 0 then
            Ok sw.Elapsed.TotalSeconds
        else
            Error(sprintf "%s exited with %d" lmp p.ExitCode)
    with e ->
        Error(sprintf "%s: %s" lmp e.Message)

/// Times `f` on the sample (one table row): seconds, atoms per second (per thread) and the share labelled fcc.
let private timeRow (count: int) (name: string) (threadsUsed: int) (f: unit -> string[]) =
    GC.Collect()
    let sw = Stopwatch.StartNew()
    let labels = f ()
    let t = sw.Elapsed.TotalSeconds
    let fcc = labels |> Array.filter ((=) "fcc") |> Array.length

    printfn
        "| %s | %d | %.2f | %.0f | %.0f | %.2f %% |"
        name
        threadsUsed
        t
        (float count / t)
        (float count / t / float threadsUsed)
        (100.0 * float fcc / float labels.Length)

/// spglib's row: its search grows as N² (4,000 atoms ≈ 2 s, 32,000 ≈ 2 min here), so it is timed on 10³ cells of
/// the same lattice.
let private spglibRow () =
    match Spglib.version () with
    | Ok _ ->
        let small =
            Crystals.fcc 29 3.61
            |> Supercell.repeat 10 10 10
            |> Defects.displaceRelative 11 0.01 2.5527

        GC.Collect()
        let sw = Stopwatch.StartNew()

        let found =
            match Spglib.spaceGroup Spglib.loose small with
            | Ok(n, symbol) -> sprintf "space group %d %s" n symbol
            | Error e -> e

        let t = sw.Elapsed.TotalSeconds
        let n = float (Structure.count small)
        printfn "| spglib loose (%d atoms only: its time grows as N²) | 1 | %.2f | %.0f | %.0f | %s |" (int n) t (n / t) (n / t) found
    | Error e -> eprintfn "spglib skipped: %s" e

/// ARISE's row: the whole sample as one structure, T = 100.
let private ariseRow (s: Structure) (threads: int) =
    let count = Structure.count s

    match Models.load None with
    | Ok m ->
        timeRow count "ARISE (averaged SOAP, T = 100)" threads (fun () ->
            match (Classifier.classify threads 1 100 (Models.pipeline m) [| s |]).[0] with
            | Ok c ->
                let best = m.Metadata.Classes.[fst c.Ranked.[0]]
                Array.create count (if best.StartsWith "fcc" then "fcc" else best)
            | Error e ->
                eprintfn "ARISE: %s" e
                [||])
    | Error e -> eprintfn "ARISE skipped: %s" e

/// LAMMPS cna/atom on the same atoms: the time with the compute minus the time without (reading, neighbour lists).
let private lammpsRow (s: Structure) (lmp: string) =
    let count = Structure.count s
    let dir = Path.Combine(Path.GetTempPath(), "arise-benchmark-lammps")
    Directory.CreateDirectory dir |> ignore

    match Lammps.writeData s with
    | Error e -> eprintfn "LAMMPS skipped: %s" e
    | Ok text ->
        let data = Path.Combine(dir, "fcc.data")
        File.WriteAllText(data, text)

        let common =
            [ "units metal"
              "boundary p p p"
              "atom_style atomic"
              sprintf "read_data %s" data
              "pair_style zero 4.0"
              "pair_coeff * *" ]
        // the compute runs only when something asks for it: a sum over atoms printed by thermo
        let cnaRun =
            [ "compute cna all cna/atom 3.2"
              "compute total all reduce sum c_cna"
              "thermo_style custom step c_total"
              "run 0" ]

        match
            lammpsSeconds lmp dir "setup" (common @ [ "thermo_style custom step"; "run 0" ]), lammpsSeconds lmp dir "cna" (common @ cnaRun)
        with
        | Ok setup, Ok withCna ->
            let t = max 1e-6 (withCna - setup)
            printfn "| LAMMPS cna/atom (3.2 Å, %s) | 1 | %.2f | %.0f | %.0f | — |" lmp t (float count / t) (float count / t)

            printfn
                "\nLAMMPS: %.2f s with cna/atom, %.2f s reading the file and building neighbour lists without it; the row is the \
                    difference."
                withCna
                setup
        | Error e, _
        | _, Error e -> printfn "\nLAMMPS not run: %s (install Debian's lammps package)" e

/// The speed table: each method on an fcc Cu sample of about `atoms` atoms (1 % displacements), atoms per second,
/// beside LAMMPS's cna/atom on the same atoms (one thread, time with the compute minus time without).
let speed (atoms: int) (lmp: string) =
    let n = max 2 (int (round (Math.Cbrt(float atoms / 4.0))))

    let s =
        Crystals.fcc 29 3.61
        |> Supercell.repeat n n n
        |> Defects.displaceRelative 11 0.01 2.5527

    let count = Structure.count s
    let threads = Environment.ProcessorCount
    printfn "fcc Cu, %d atoms (%d³ cells, 1 %% displacements), %d threads available\n" count n threads
    printfn "| method | threads | seconds | atoms / s | per thread | fcc found |"
    printfn "|---|---|---|---|---|---|"
    let time = timeRow count
    time "CNA (3.2 Å)" threads (fun () -> Cna.fixedCutoff 3.2 s |> Array.map Cna.typeName)
    time "a-CNA" threads (fun () -> Cna.adaptive s |> Array.map Cna.typeName)
    time "BAA (Ackland–Jones)" threads (fun () -> BondAngle.analyse s |> Array.map Cna.typeName)
    time "PTM (8 templates)" threads (fun () -> Ptm.analyse s |> Array.map Ptm.label)

    time "PTM (fcc, hcp, bcc, ico)" threads (fun () ->
        Ptm.analyseWith
            { Ptm.defaults with
                Types = [ Ptm.PtmType.Fcc; Ptm.PtmType.Hcp; Ptm.PtmType.Bcc; Ptm.PtmType.Icosahedral ] }
            s
        |> Array.map Ptm.label)

    spglibRow ()
    ariseRow s threads
    lammpsRow s lmp
    printfn "peak working set: %.2f GB" (float (Process.GetCurrentProcess().PeakWorkingSet64) / 1e9)
    0
