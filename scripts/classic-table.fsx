// The classical rows of the paper's Table 1 (a-CNA, bond-angle analysis, CNA with ARISE's fixed 3.2 Å cutoff) on the
// classes they were designed for (fcc Cu, hcp Mg, bcc W prototypes), periodic supercells (n, n+1, n+2), N random
// realisations per defect level. Prints per-atom accuracy (the paper's measure) and per-structure accuracy by
// majority vote, beside the paper's per-atom numbers.
//
//   ./arise --version
//   dotnet fsi scripts/classic-table.fsx [--realizations 10]
#load "Common.fsx"
open System
open System.IO
open Arise.Structure
open Arise.Classic
open Common

let realizations = int (ScriptArgs.get "--realizations" "10")
let lib = Prototypes.load (Path.Combine(ScriptArgs.data, "prototypes"))
let targets = [ "fcc_Cu_A_cF4_225_a", CnaType.Fcc; "hcp_Mg_A_hP2_194_c", CnaType.Hcp; "bcc_W_A_cI2_229_a", CnaType.Bcc ]
let structures =
    [ for name, t in targets do
          let p = lib.Prototypes |> List.find (fun p -> p.Name = name)
          for (a, b, c) in Supercell.trainingReplicas false p.Structure -> Supercell.repeat a b c p.Structure, t ]
let levels =
    [ "pristine", 0.0, 0.0; "d0.1", 0.0, 0.001; "d0.6", 0.0, 0.006; "d1", 0.0, 0.01; "d2", 0.0, 0.02; "d4", 0.0, 0.04
      "e1", 0.01, 0.0; "e5", 0.05, 0.0; "e10", 0.10, 0.0; "e20", 0.20, 0.0 ]
let paper =
    [ "a-CNA", [ 100.00; 100.00; 100.00; 100.00; 100.00; 100.00; 89.25; 52.81; 25.92; 5.37 ]
      "BAA", [ 100.00; 100.00; 100.00; 100.00; 100.00; 97.85; 99.71; 88.78; 65.21; 25.38 ]
      "CNA 3.2 Å", [ 66.14; 62.81; 62.81; 54.55; 32.34; 31.41; 55.86; 32.50; 15.75; 3.07 ] ] |> Map.ofList
let methods = [ "a-CNA", Cna.adaptive; "BAA", BondAngle.analyse; "CNA 3.2 Å", Cna.fixedCutoff 3.2 ]
printfn "%-10s %-10s %s" "method" "measure" (String.Join(" ", levels |> List.map (fun (n, _, _) -> sprintf "%8s" n)))
for mname, analyse in methods do
    let perAtom = ResizeArray<float>()
    let perStructure = ResizeArray<float>()
    for (_, eta, delta) in levels do
        let reps = if eta = 0.0 && delta = 0.0 then 1 else realizations
        let mutable atoms, correctAtoms, structs, correctStructs = 0, 0, 0, 0
        structures |> List.iteri (fun k (s, t) ->
            let dnn = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0
            for r in 0 .. reps - 1 do
                let seed = 1000 * k + r
                let s1 = if eta > 0.0 then Defects.removeFraction seed eta s else s
                let s2 = if delta > 0.0 then Defects.displaceRelative (seed + 1) delta dnn s1 else s1
                let types = analyse s2
                atoms <- atoms + types.Length
                correctAtoms <- correctAtoms + (types |> Array.filter ((=) t) |> Array.length)
                // majority vote among the atoms the method could identify
                let vote = Cna.majority types
                structs <- structs + 1
                if vote = t then correctStructs <- correctStructs + 1)
        perAtom.Add(100.0 * float correctAtoms / float atoms)
        perStructure.Add(100.0 * float correctStructs / float structs)
    let row (xs: seq<float>) = String.Join(" ", xs |> Seq.map (sprintf "%8.2f"))
    printfn "%-10s %-10s %s" mname "per atom" (row perAtom)
    printfn "%-10s %-10s %s" "" "paper" (row paper.[mname])
    printfn "%-10s %-10s %s" "" "majority" (row perStructure)

// spglib rows: per structure, on the AFLOW elemental solids and binaries of the library (the paper's scored set),
// periodic supercells as for the other methods; correct = the pristine space group from the class name.
match Spglib.version () with
| Error e -> printfn "\nspglib rows skipped: %s" e
| Ok v ->
    let scored = lib.Prototypes |> List.choose (fun p -> Spglib.expectedSpaceGroup p.Name |> Option.map (fun sg -> p, sg))
    let cells =
        [ for p, sg in scored do
              for (a, b, c) in Supercell.trainingReplicas false p.Structure |> List.truncate 2 -> Supercell.repeat a b c p.Structure, sg ]
    let paperSpglib =
        [ "loose", [ 100.00; 100.00; 100.00; 95.26; 20.00; 0.00; 11.23; 0.00; 0.00; 0.00 ]
          "tight", [ 100.00; 0.00; 0.00; 0.00; 0.00; 0.00; 11.23; 0.00; 0.00; 0.00 ] ] |> Map.ofList
    printfn "\nspglib %s, %d prototypes (AFLOW elemental solids and binaries) × 2 supercells, per structure:" v scored.Length
    for name, tol in [ "loose", Spglib.loose; "tight", Spglib.tight ] do
        let acc =
            [ for (_, eta, delta) in levels ->
                let reps = if eta = 0.0 && delta = 0.0 then 1 else realizations
                let results =
                    [ for k, (s, sg) in List.indexed cells do
                          let dnn = NearestNeighbour.dnn DnnMethod.AriseHistogram s |> Result.defaultValue 1.0
                          for r in 0 .. reps - 1 do
                              let seed = 1000 * k + r
                              let s1 = if eta > 0.0 then Defects.removeFraction seed eta s else s
                              let s2 = if delta > 0.0 then Defects.displaceRelative (seed + 1) delta dnn s1 else s1
                              yield (match Spglib.spaceGroup tol s2 with Ok (n, _) -> n = sg | Error _ -> false) ]
                100.0 * float (results |> List.filter id |> List.length) / float results.Length ]
        let row (xs: seq<float>) = String.Join(" ", xs |> Seq.map (sprintf "%8.2f"))
        printfn "%-10s %-10s %s" ("spglib " + name) "structure" (row acc)
        printfn "%-10s %-10s %s" "" "paper" (row paperSpglib.[name])
