/// The fuzzing harness: every reader, and the per-file path of `info` and `descriptor` (d_NN and the descriptor),
/// over mutated inputs of every format. Seeds are our own files (crystals written by our writers and hand-made CIF,
/// FHI-aims and LAMMPS dump texts); 24 mutators damage them. A crash is any exception out of a reader or the per-file
/// path (they must return errors), a hang any input that takes over the time limit. The quick seeded run is a test;
/// the long run is the same test with ARISE_FUZZ_INPUTS set (inputs per reader), see docs/benchmarks.md.
module Arise.Tests.Fuzz

open System
open System.Diagnostics
open System.Globalization
open System.Threading.Tasks
open Arise.Structure
open Arise.Structure.Formats
open Arise.Soap

let private inv = CultureInfo.InvariantCulture
let private types = Map.ofList [ 1, 29; 2, 26; 3, 12; 4, 6 ]

/// A structure's text in a format, written by hand where we have no writer (CIF in P1, FHI-aims, LAMMPS dump).
let private textOf (format: string) (s: Structure) =
    let f (x: float) = x.ToString("R", inv)
    let n = Structure.count s
    let cell = s.Cell |> Option.defaultValue (Cell.orthorhombic 20.0 20.0 20.0)
    let typeOf z = types |> Map.findKey (fun _ v -> v = z)

    match format with
    | "xyz" -> Xyz.write s
    | "poscar" -> Poscar.write s |> Result.defaultValue ""
    | "lammps-data" -> Lammps.writeData s |> Result.defaultValue ""
    | "aims" ->
        String.Join(
            "\n",
            [ for v in [ cell.A; cell.B; cell.C ] -> sprintf "lattice_vector %s %s %s" (f v.X) (f v.Y) (f v.Z)
              for i in 0 .. n - 1 ->
                  let p = s.Positions.[i]
                  sprintf "atom %s %s %s %s" (f p.X) (f p.Y) (f p.Z) (Elements.symbol s.Numbers.[i]) ]
        )
    | "cif" -> Arise.Tests.Common.cifText s
    | _ ->
        let a, b, c = cell.A.X, cell.B.Y, cell.C.Z

        String.Join(
            "\n",
            [ yield "ITEM: TIMESTEP"
              yield "0"
              yield "ITEM: NUMBER OF ATOMS"
              yield string n
              yield "ITEM: BOX BOUNDS pp pp pp"
              yield sprintf "0 %s" (f a)
              yield sprintf "0 %s" (f b)
              yield sprintf "0 %s" (f c)
              yield "ITEM: ATOMS id type x y z"
              for i in 0 .. n - 1 ->
                  let p = s.Positions.[i]
                  sprintf "%d %d %s %s %s" (i + 1) (typeOf s.Numbers.[i]) (f p.X) (f p.Y) (f p.Z) ]
        )

/// The formats, each with its reader (all frames).
let formats: (string * (string -> Result<Structure list, ReadError>)) list =
    [ "xyz", Xyz.parse "f.xyz"
      "aims", (fun t -> Aims.parse "geometry.in" t |> Result.map List.singleton)
      "poscar", (fun t -> Poscar.parse "POSCAR" t |> Result.map List.singleton)
      "cif", Cif.parse "f.cif"
      "lammps-data", (fun t -> Lammps.parseData types "f.data" t |> Result.map List.singleton)
      "lammps-dump", Lammps.parseDump types "f.dump" ]

/// Seed texts of a format: fcc Cu, bcc Fe, hcp Mg, diamond C and graphene cells and supercells, and a Cu–Fe alloy.
let seeds (format: string) =
    let alloy =
        let s = Crystals.fcc 29 3.61 |> Supercell.repeat 2 2 2

        { s with
            Numbers = s.Numbers |> Array.mapi (fun i z -> if i % 3 = 0 then 26 else z) }

    [ Crystals.fcc 29 3.61
      Crystals.bcc 26 2.87
      Crystals.hcp 12 3.21 5.21
      Crystals.diamond 6 3.57
      Crystals.graphene 6 1.42 12.0
      Crystals.fcc 29 3.61 |> Supercell.repeat 3 3 3
      alloy ]
    |> List.map (textOf format)
    |> List.filter (fun t -> t <> "")

/// 24 ways to damage a text: lines deleted, duplicated, swapped or cut; numbers made NaN, infinite, huge, tiny,
/// negative or −0; bytes flipped or inserted; long lines; junk; the file repeated, emptied or blanked.
let private mutators: (string * (Random -> string -> string)) list =
    let lines (t: string) = ResizeArray(t.Split '\n')
    let join (l: ResizeArray<string>) = String.Join("\n", l)

    let onLine (f: Random -> string -> string) (rng: Random) (t: string) =
        let l = lines t

        if l.Count > 0 then
            let k = rng.Next l.Count
            l.[k] <- f rng l.[k]

        join l

    let number (replacement: string) =
        onLine (fun rng line ->
            let tokens = line.Split ' '

            let numeric =
                [| for i in 0 .. tokens.Length - 1 do
                       if Double.TryParse(tokens.[i], NumberStyles.Float, inv) |> fst then
                           i |]

            if numeric.Length > 0 then
                tokens.[numeric.[rng.Next numeric.Length]] <- replacement

            String.Join(" ", tokens))

    [ "delete line",
      (fun rng t ->
          let l = lines t in

          (if l.Count > 0 then
               l.RemoveAt(rng.Next l.Count))

          join l)
      "duplicate line",
      (fun rng t ->
          let l = lines t in

          (if l.Count > 0 then
               l.Insert(rng.Next l.Count, l.[rng.Next l.Count]))

          join l)
      "swap lines",
      (fun rng t ->
          let l = lines t

          if l.Count > 1 then
              let a, b = rng.Next l.Count, rng.Next l.Count
              let x = l.[a]
              l.[a] <- l.[b]
              l.[b] <- x

          join l)
      "truncate", (fun rng t -> t.Substring(0, rng.Next(t.Length + 1)))
      "cut line", onLine (fun rng l -> l.Substring(0, rng.Next(l.Length + 1)))
      "NaN", number "NaN"
      "inf", number "inf"
      "-inf", number "-Infinity"
      "1e308", number "1e308"
      "-0", number "-0"
      "1e-300", number "1e-300"
      "1e-9", number "1e-9"
      "huge integer", number "2147483648"
      "negative integer", number "-5"
      "billion", number "1000000000"
      "many digits", number (String('9', 400))
      "flip char",
      (fun rng t ->
          if t.Length = 0 then
              t
          else
              let c = t.ToCharArray()
              let k = rng.Next c.Length
              c.[k] <- char (int c.[k] ^^^ (1 <<< rng.Next 7))
              String c)
      "random bytes", (fun rng t -> t.Insert(rng.Next(t.Length + 1), String(Array.init (rng.Next 64) (fun _ -> char (rng.Next(0, 256))))))
      "long line", onLine (fun _ l -> l + " " + String('7', 100_000))
      "junk token", onLine (fun _ l -> l + " x,y 1.5 'q")
      "element", onLine (fun _ l -> l.Replace("Cu", "Qq").Replace("Fe", "").Replace("Mg", "X"))
      "repeat", (fun _ t -> t + "\n" + t)
      "empty", (fun _ _ -> "")
      "blank", (fun _ t -> String(' ', t.Length)) ]

/// What a run found.
type FuzzReport =
    {
        Inputs: int
        Structures: int
        ReadErrors: int
        /// Format, mutators, exception and the start of the input.
        Crashes: (string * string * string * string) list
        /// Format, mutators and the start of the input.
        Hangs: (string * string * string) list
        SlowestSeconds: float
        PeakWorkingSetMB: float
    }

/// The embedded model's pipeline, as `classify` uses it.
let private pipeline = lazy Arise.Recognizer.Default.Pipeline

/// Structures that went through `classify`'s path (descriptor, then T = 10 passes of the embedded model).
let mutable classified = 0

/// The per-file work of `info`, `descriptor` and `classify` on a structure: d_NN, then for structures of at most
/// 2,000 atoms the descriptor, and the prediction of the descriptor the model's pipeline makes (which must be finite).
let private perFile (s: Structure) =
    NearestNeighbour.dnn DnnMethod.AriseHistogram s |> ignore

    if Structure.count s <= 2000 then
        AriseDescriptor.compute AriseDescriptor.defaults s |> ignore
        let p = pipeline.Value

        match Arise.Model.Pipeline.describe p s with
        | Ok d ->
            let prediction =
                (Arise.Model.Pipeline.predict p 1 1 10 (Arise.Model.Pipeline.pack p [| d |]) 1).[0]

            Threading.Interlocked.Increment &classified |> ignore

            if prediction.Probabilities |> Array.exists (Double.IsFinite >> not) then
                failwithf "a prediction that is not finite: %A" prediction.Probabilities
        | Error _ -> ()

/// Runs `inputs` mutated inputs of `format` (seeded), each within `limit` seconds.
let run (seed: int) (inputs: int) (limit: float) (format: string) =
    let parse = formats |> List.find (fst >> (=) format) |> snd
    let seedTexts = Array.ofList (seeds format)
    let rng = Random(seed)
    let crashes = ResizeArray()
    let hangs = ResizeArray()
    let mutable structures, readErrors, slowest = 0, 0, 0.0

    for _ in 1..inputs do
        let mutable text = seedTexts.[rng.Next seedTexts.Length]
        let names = ResizeArray()

        for _ in 1 .. rng.Next(1, 4) do
            let name, m = mutators.[rng.Next mutators.Length]
            names.Add name
            text <- m rng text

        let what = String.Join("+", names)
        let clock = Stopwatch.StartNew()

        let work =
            Task.Run(fun () ->
                try
                    match parse text with
                    | Ok frames ->
                        for s in frames |> List.truncate 2 do
                            perFile s

                        Ok true
                    | Error _ -> Ok false
                with ex ->
                    Error(ex.GetType().Name + ": " + ex.Message))

        if not (work.Wait(TimeSpan.FromSeconds limit)) then
            hangs.Add(format, what, text.Substring(0, min 300 text.Length))
        else
            slowest <- max slowest clock.Elapsed.TotalSeconds

            match work.Result with
            | Ok true -> structures <- structures + 1
            | Ok false -> readErrors <- readErrors + 1
            | Error e -> crashes.Add(format, what, e, text.Substring(0, min 300 text.Length))

    { Inputs = inputs
      Structures = structures
      ReadErrors = readErrors
      Crashes = List.ofSeq crashes
      Hangs = List.ofSeq hangs
      SlowestSeconds = slowest
      PeakWorkingSetMB = float (Process.GetCurrentProcess().PeakWorkingSet64) / 1e6 }

/// Inputs per reader: ARISE_FUZZ_INPUTS (the long run by hand), else 150 (the seeded run in CI, seconds).
let private inputsPerReader () =
    match Int32.TryParse(Environment.GetEnvironmentVariable "ARISE_FUZZ_INPUTS") with
    | true, n when n > 0 -> n
    | _ -> 150

[<Expecto.Tests>]
let tests =
    Expecto.Tests.testList
        "fuzz"
        [ Expecto.Tests.test "every reader and the per-file path return errors on damaged files of every format: no crash, no hang" {
              for format, parse in formats do
                  for text in seeds format do
                      Expecto.Expect.isOk (parse text) (sprintf "the %s seed reads before it is damaged" format)

              let n = inputsPerReader ()
              let clock = Stopwatch.StartNew()

              let reports =
                  formats
                  |> List.mapi (fun k (format, _) -> format, run (20261202 + k) n 10.0 format)

              for format, r in reports do
                  printfn
                      "fuzz %-12s %7d inputs: %6d structures, %6d read errors, %d crashes, %d hangs; slowest %.2f s; peak %.0f MB"
                      format
                      r.Inputs
                      r.Structures
                      r.ReadErrors
                      r.Crashes.Length
                      r.Hangs.Length
                      r.SlowestSeconds
                      r.PeakWorkingSetMB

              printfn
                  "fuzz: %d inputs in %.0f s; %d structures through classify's path"
                  (n * reports.Length)
                  clock.Elapsed.TotalSeconds
                  classified

              let crashes = reports |> List.collect (fun (_, r) -> r.Crashes)
              let hangs = reports |> List.collect (fun (_, r) -> r.Hangs)
              Expecto.Expect.isEmpty crashes "no exception out of a reader or the per-file path"
              Expecto.Expect.isEmpty hangs "no input over 10 s"

              Expecto.Expect.isTrue
                  (reports |> List.forall (fun (_, r) -> r.Structures > 0 && r.ReadErrors > 0))
                  "each format gave structures and errors (the mutations neither all harmless nor all fatal)"
          } ]
