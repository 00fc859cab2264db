/// SPM and the batch verbs across MPI processes (issue 28): `mpirun -n N arise …` writes what one process writes, byte for byte.
/// Needs Open MPI's mpirun (Debian: openmpi-bin, which .ci/run installs); skipped with the reason without it.
module Arise.Tests.MpiTests

open System
open System.IO
open Expecto
open Arise.Structure
open Arise.Tests.Common

let private mpirun =
    lazy
        ((Environment.GetEnvironmentVariable "PATH").Split(':')
         |> Array.map (fun d -> Path.Combine(d, "mpirun"))
         |> Array.tryFind File.Exists)

/// mpirun as root needs Open MPI's consent; the tests run as root in CI.
let private asRoot =
    [ "OMPI_ALLOW_RUN_AS_ROOT", "1"; "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1" ]

let private withMpirun (body: string -> unit) =
    match mpirun.Value with
    | None -> skiptest "no mpirun on the PATH (Debian: apt-get install openmpi-bin)"
    | Some m -> body m

/// A two-grain slab (seed, edge in Å) in a fresh folder, mapped by one process into one/ with `spm`'s `options`;
/// returns the folder and the arguments of `spm` into a given output folder.
let private slabRunWith (seed: int) (edge: float) (options: string list) =
    let dir = freshFolder "arise-mpi-"
    let grains = [ Crystals.fcc 26 3.61; Crystals.bcc 26 2.87 ]
    let slab = Polycrystal.voronoi seed grains (Vec3.make edge edge 8.0) true 1.5
    StructureIO.writeXyz (Path.Combine(dir, "slab.xyz")) [ slab ]
    let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

    let spm out =
        [ dll; "spm"; "slab.xyz"; "--out"; out ] @ options

    let code, _, errors = runProcess dir "dotnet" (spm "one") 600
    Expect.equal code 0 (sprintf "one process: exit 0 (%s)" errors)
    dir, spm

/// slabRunWith at stride 1.5 Å and T = 5 (the default box).
let private slabRunOnce (seed: int) (edge: float) =
    slabRunWith seed edge [ "--stride"; "1.5"; "--samples"; "5" ]

/// Runs `args "one"` in one process, then `args "two"` under `mpirun -n 2` (the arguments after `dotnet`), both to exit
/// 0 in `dir`; returns the two-process run's output.
let private oneThenTwo (mpirun: string) (dir: string) (args: string -> string list) =
    let code, _, errors = runProcess dir "dotnet" (args "one") 600
    Expect.equal code 0 (sprintf "one process: exit 0 (%s)" errors)

    let code, out, errors =
        runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; "2"; "dotnet" ] @ args "two") 600

    Expect.equal code 0 (sprintf "two processes: exit 0 (%s)" errors)
    out

/// Checks a two-process spm run's output (`out`) in `dir`: split by parts, each process holding a streamed part of the
/// sample, and boxes.csv and atoms.xyz byte-identical to the one-process run's.
let private streamedParts (dir: string) (out: string) =
    Expect.stringContains out "each reads its part of the sample" "split by parts"

    for rank in 0..1 do
        let m =
            Text.RegularExpressions.Regex.Match(out, sprintf "process %d holds (\\d+) of the (\\d+) atoms \\(streamed\\)" rank)

        Expect.isTrue m.Success (sprintf "process %d says what it holds" rank)
        Expect.isLessThan (int m.Groups.[1].Value) (int m.Groups.[2].Value) (sprintf "process %d holds a part" rank)

    for file in [ "boxes.csv"; "atoms.xyz" ] do
        Expect.equal
            (File.ReadAllBytes(Path.Combine(dir, "two", file)))
            (File.ReadAllBytes(Path.Combine(dir, "one", file)))
            (sprintf "%s byte-identical" file)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "mpi"
        [ test "mpirun -n 2 and -n 3: classify, descriptor, info, identify over a folder print one process's output and exit code" {
              withMpirun (fun mpirun ->
                  let dir = freshFolder "arise-mpi-batch-"
                  let files = Path.Combine(dir, "files")
                  Directory.CreateDirectory files |> ignore

                  // seven files: crystals, a cluster, a damaged file and a lone atom (errors keep their place)
                  for name, s in
                      [ "1-fcc.xyz", Crystals.fcc 29 3.61
                        "2-bcc.xyz", Crystals.bcc 26 2.87
                        "3-hcp.xyz", Crystals.hcp 12 3.21 5.21
                        "5-diamond.xyz", Crystals.diamond 14 5.43
                        "6-cluster.xyz", Structure.toCluster (Crystals.fcc 79 4.08) ] do
                      StructureIO.writeXyz (Path.Combine(files, name)) [ s ]

                  File.WriteAllText(Path.Combine(files, "4-damaged.xyz"), "3\n\nCu 0 0 0\nCu 1.5\n")
                  File.WriteAllText(Path.Combine(files, "7-lone.xyz"), "1\n\nCu 0 0 0\n")
                  let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                  for verb in
                      [ [ "classify"; "--json"; "--samples"; "20" ]
                        [ "classify"; "--csv"; "--samples"; "20" ]
                        [ "descriptor"; "--jsonl" ]
                        [ "info"; "--csv" ]
                        [ "identify"; "--json" ] ] do
                      let args = dll :: verb @ [ "files" ]
                      let code, one, _ = runProcess dir "dotnet" args 600
                      let what = String.Join(" ", verb)
                      Expect.isGreaterThan one.Length 100 (sprintf "%s: one process printed its results" what)

                      for n in [ "2"; "3" ] do
                          let codeN, many, errors =
                              runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; n; "dotnet" ] @ args) 600

                          Expect.equal many one (sprintf "%s, %s processes: the same output (%s)" what n errors)

                          Expect.stringContains
                              errors
                              (sprintf "7 files over %s MPI processes (Open MPI): blocks of %s" n (if n = "2" then "4, 3" else "3, 2, 2"))
                              "split into blocks"

                          Expect.equal codeN code (sprintf "%s, %s processes: the same exit code" what n))
          }

          test "mpirun -n 2 arise train: the processes describe blocks of the classes; the same training set and weights as one process" {
              withMpirun (fun mpirun ->
                  let dir = CliTests.prototypeLibrary ()
                  let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                  let code, _, errors =
                      runProcess dir "dotnet" (dll :: CliTests.trainArgs "one.model") 600

                  Expect.equal code 0 (sprintf "one process: exit 0 (%s)" errors)

                  let code, out, errors =
                      runProcessWith
                          asRoot
                          dir
                          mpirun
                          ([ "--oversubscribe"; "-n"; "2"; "dotnet"; dll ] @ CliTests.trainArgs "two.model")
                          600

                  Expect.equal code 0 (sprintf "two processes: exit 0 (%s)" errors)
                  Expect.stringContains out "2 MPI processes (Open MPI): each describes a block of the 3 classes" "split"

                  let arrays (file: string) =
                      Arise.Numerics.Npy.readNpz (Path.Combine(dir, file))
                      |> Result.defaultWith failwith
                      |> Map.map (fun _ a -> a.Data)

                  Expect.equal
                      (arrays "two.model.training-set.npz")
                      (arrays "one.model.training-set.npz")
                      "the same training set, array for array"

                  Expect.equal
                      (CliTests.modelWeights dir "two.model")
                      (CliTests.modelWeights dir "one.model")
                      "the same weights and classes")
          }

          test "mpirun -n 2 arise benchmark: the processes score blocks of the levels; the same table as one process" {
              withMpirun (fun mpirun ->
                  let dir = CliTests.prototypeLibrary ()
                  let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                  let args out =
                      [ dll
                        "benchmark"
                        "--prototypes"
                        "lib"
                        "--levels"
                        "pristine,d4,e20"
                        "--methods"
                        "cna,ptm,arise" ]
                      @ [ "--realizations"; "2"; "--samples"; "5"; "--out"; out ]

                  let out = oneThenTwo mpirun dir args
                  Expect.stringContains out "2 MPI processes (Open MPI): each scores a block of the 3 defect levels" "split"

                  for file in [ "benchmark.csv"; "benchmark.md" ] do
                      let one = File.ReadAllBytes(Path.Combine(dir, "one", file))
                      Expect.isGreaterThan one.Length 100 (sprintf "%s written" file)
                      Expect.equal (File.ReadAllBytes(Path.Combine(dir, "two", file))) one (sprintf "%s byte-identical" file))
          }

          test "mpirun -n 2 dotnet fsi scripts/table1.fsx: blocks of the columns, the same table1.csv as one process" {
              withMpirun (fun mpirun ->
                  let dir = CliTests.prototypeLibrary ()
                  let script = Path.Combine(repositoryRoot.Value, "scripts", "table1.fsx")

                  let args (name: string) =
                      [ "fsi"
                        script
                        "--prototypes"
                        "lib"
                        "--columns"
                        "pristine,d4,e20"
                        "--realizations"
                        "2" ]
                      @ [ "--samples"; "5"; "--out"; name + ".csv"; "--cache"; name + ".descriptors" ]

                  let out = oneThenTwo mpirun dir args
                  Expect.stringContains out "2 MPI processes (Open MPI): each computes a block of the 3 columns" "split"
                  Expect.isTrue (File.Exists(Path.Combine(dir, "two.log.csv.rank-1"))) "the second process logs apart"
                  let one = File.ReadAllBytes(Path.Combine(dir, "one.csv"))
                  Expect.isGreaterThan one.Length 60 "table1.csv written"
                  Expect.equal (File.ReadAllBytes(Path.Combine(dir, "two.csv"))) one "table1.csv byte-identical")
          }

          test "mpirun -n 2 arise spm: boxes.csv and atoms.xyz byte-identical to one process, spm.npz arrays equal" {
              withMpirun (fun mpirun ->
                  let dir, spm = slabRunOnce 3 60.0

                  let code, out, errors =
                      runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; "2"; "dotnet" ] @ spm "two") 600

                  Expect.equal code 0 (sprintf "two processes: exit 0 (%s)" errors)
                  Expect.stringContains out "2 MPI processes (Open MPI)" "the run says it is split"
                  let chunks = Directory.GetFiles(Path.Combine(dir, "two", "chunks"), "chunk_*.npz")
                  Expect.isGreaterThanOrEqual chunks.Length 2 "at least one chunk each"

                  for file in [ "boxes.csv"; "atoms.xyz" ] do
                      Expect.equal
                          (File.ReadAllBytes(Path.Combine(dir, "two", file)))
                          (File.ReadAllBytes(Path.Combine(dir, "one", file)))
                          (sprintf "%s byte-identical" file)

                  let arrays (run: string) =
                      Arise.Numerics.Npy.readNpz (Path.Combine(dir, run, "spm.npz"))
                      |> Result.defaultWith failwith
                      |> Map.map (fun _ a -> a.Data)

                  Expect.equal (arrays "two") (arrays "one") "spm.npz arrays equal"


                  // the maps and their PNG pictures (where a Chromium draws them), shared by the processes
                  let maps (run: string) =
                      Directory.GetFiles(Path.Combine(dir, run))
                      |> Array.map Path.GetFileName
                      |> Array.filter (fun f -> f.StartsWith "map_" || f.StartsWith "volume_")
                      |> Array.sort

                  Expect.isGreaterThanOrEqual (maps "one").Length 2 "maps of the mutual information and a probability"
                  Expect.equal (maps "two") (maps "one") "the same maps and pictures"

                  for f in maps "two" do
                      Expect.stringContains out f "each named by the first process"

                  // spm.npz is written by the last process while the first writes the rest: when it cannot be (a folder
                  // of that name here), the first says which process and why and exits 1, the other outputs written
                  for file in [ "spm.npz"; "atoms.xyz"; "boxes.csv" ] do
                      File.Delete(Path.Combine(dir, "two", file))

                  Directory.CreateDirectory(Path.Combine(dir, "two", "spm.npz")) |> ignore

                  let failed, _, why =
                      runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; "2"; "dotnet" ] @ spm "two") 600

                  Expect.equal failed 1 (sprintf "spm.npz not written: exit 1 (%s)" why)
                  Expect.stringContains why "spm.npz: process 1:" "the first names the process and the file"
                  Expect.isFalse (File.Exists(Path.Combine(dir, "two", "spm.npz.partial"))) "no partial spm.npz left"

                  for file in [ "boxes.csv"; "atoms.xyz" ] do
                      Expect.equal
                          (File.ReadAllBytes(Path.Combine(dir, "two", file)))
                          (File.ReadAllBytes(Path.Combine(dir, "one", file)))
                          (sprintf "%s still written" file)

                  // three processes over the same chunks: the middle one meets on spm.npz as well, the same outputs
                  Directory.Delete(Path.Combine(dir, "two", "spm.npz"))

                  let code, _, errors =
                      runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; "3"; "dotnet" ] @ spm "two") 600

                  Expect.equal code 0 (sprintf "three processes: exit 0 (%s)" errors)
                  Expect.equal (arrays "two") (arrays "one") "three processes: spm.npz arrays equal"

                  Expect.equal
                      (File.ReadAllBytes(Path.Combine(dir, "two", "atoms.xyz")))
                      (File.ReadAllBytes(Path.Combine(dir, "one", "atoms.xyz")))
                      "three processes: atoms.xyz byte-identical")
          }

          test "mpirun -n 2 arise spm of an atom-probe .pos: each process streams its part only; outputs byte-identical to one process" {
              withMpirun (fun mpirun ->
                  let dir = freshFolder "arise-mpi-apt-"
                  let alloy = Polycrystal.superalloy 1 3.57 60.0 30.0 0.05

                  let ions, ranges =
                      Formats.AtomProbe.synthetic 7 0.37 0.5 0.2 alloy |> Result.defaultWith failwith

                  Formats.AtomProbe.writePos (Path.Combine(dir, "alloy.pos")) ions
                  Formats.AtomProbe.writeRrng (Path.Combine(dir, "alloy.rrng")) ranges
                  let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                  let spm out =
                      [ dll; "spm"; "alloy.pos"; "--ranges"; "alloy.rrng"; "--out"; out ]
                      @ [ "--mode"; "bulk"; "--stride"; "4"; "--samples"; "5" ]

                  oneThenTwo mpirun dir spm |> streamedParts dir

                  Expect.isEmpty (Directory.GetFiles(Path.Combine(dir, "two"), "atoms.part-*")) "no share written to disk"

                  // the processes read the sample's extent in pieces, one each: the last ion made NaN is in the second's
                  // piece, and the run says what one process says of it
                  let file = Path.Combine(dir, "alloy.pos")
                  let bytes = File.ReadAllBytes file
                  let last = bytes.Length / 16 - 1
                  Buffers.Binary.BinaryPrimitives.WriteSingleBigEndian(Span(bytes, 16 * last + 4, 4), Single.NaN)
                  File.WriteAllBytes(file, bytes)
                  let _, _, alone = runProcess dir "dotnet" (spm "bad1") 600

                  let code, _, errors =
                      runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; "2"; "dotnet" ] @ spm "bad2") 600

                  Expect.equal code 1 "a damaged .pos: exit 1"
                  Expect.stringContains errors (sprintf "ion %d has a position" (last + 1)) "the ion named"
                  Expect.stringContains alone (sprintf "ion %d has a position" (last + 1)) "as one process names it")
          }

          test "mpirun -n 2 arise spm: a process whose block is stored takes the other's lent chunks (claims); the same bytes" {
              withMpirun (fun mpirun ->
                  // a slab cluster (not periodic: only then are chunks shared) of 11 chunks: blocks of 6 and 5, each
                  // lending its last chunk
                  let dir, spm =
                      slabRunWith 5 80.0 [ "--box"; "8"; "--stride"; "1"; "--samples"; "3" ]

                  let stored = Directory.GetFiles(Path.Combine(dir, "one", "chunks"), "chunk_*.npz")
                  Expect.isGreaterThanOrEqual stored.Length 10 "blocks of five chunks or more"

                  // the second process's block already on disk (the one-process run's chunks, the first block taken
                  // out): it finishes at once and takes the first process's lent chunk before that one gets there
                  let chunks = Path.Combine(dir, "two", "chunks")
                  Directory.CreateDirectory chunks |> ignore
                  let _, first = Arise.Numerics.Mpi.block stored.Length 2 0

                  for file in Directory.GetFiles(Path.Combine(dir, "one", "chunks")) do
                      let name = Path.GetFileName file

                      if not (name.StartsWith "chunk_") || int (name.Substring(6, 5)) >= first then
                          File.Copy(file, Path.Combine(chunks, name))

                  let code, out, errors =
                      runProcessWith asRoot dir mpirun ([ "--oversubscribe"; "-n"; "2"; "dotnet" ] @ spm "two") 600

                  Expect.equal code 0 (sprintf "two processes: exit 0 (%s)" errors)

                  // what process `rank` says it shared: (its chunks taken by another, another's it took)
                  let taken (rank: int) =
                      let m =
                          Text.RegularExpressions.Regex.Match(
                              out,
                              sprintf "process %d: part read.*?\\((\\d+) of its chunks taken by another, (\\d+) of another's taken\\)" rank
                          )

                      Expect.isTrue m.Success (sprintf "process %d says what was shared (%s)" rank out)
                      int m.Groups.[1].Value, int m.Groups.[2].Value

                  Expect.isGreaterThanOrEqual (snd (taken 1)) 1 "the second process took a chunk of the first's"
                  Expect.equal (fst (taken 0)) (snd (taken 1)) "the first process left it to the second"
                  Expect.isFalse (Directory.Exists(Path.Combine(chunks, "claims"))) "the claims cleared at the end"

                  for file in [ "boxes.csv"; "atoms.xyz" ] do
                      Expect.equal
                          (File.ReadAllBytes(Path.Combine(dir, "two", file)))
                          (File.ReadAllBytes(Path.Combine(dir, "one", file)))
                          (sprintf "%s byte-identical" file))
          }

          test "mpirun -n 2 arise spm, triclinic dumps open along y or periodic, boxes seeing atoms twice: parts hold images, same bytes" {
              withMpirun (fun mpirun ->
                  // cell edges lx, ly, lz (Å); 14 Å boxes in a 12 Å thin cell: the lattice vector B = (6, 12, 0) fits in a
                  // box, which sees two images of some atoms
                  for bounds, box, (lx, ly, lz) in
                      [ "pp pp pp", "10", (60.0, 25.0, 24.0)
                        "pp ff pp", "10", (60.0, 25.0, 24.0)
                        "pp pp pp", "14", (100.0, 12.0, 90.0) ] do
                      let dir = freshFolder "arise-mpi-dump-"

                      let cell =
                          Cell.make (Vec3.make lx 0.0 0.0) (Vec3.make 6.0 ly 0.0) (Vec3.make 3.0 -2.0 lz)

                      let rng = Random(11)
                      let repeats (l: float) = int (l / 2.87) + 8

                      let bcc =
                          Crystals.bcc 26 2.87 |> Supercell.repeat (repeats lx) (repeats ly) (repeats lz)

                      // bcc sites inside the cell, rattled
                      let atoms =
                          bcc.Positions
                          |> Array.map (fun p -> p - Vec3.make 8.0 2.0 1.0)
                          |> Array.filter (fun p ->
                              let f = Cell.toFractional cell p
                              f.X >= 0.0 && f.X < 1.0 && f.Y >= 0.0 && f.Y < 1.0 && f.Z >= 0.0 && f.Z < 1.0)
                          |> Array.map (fun p ->
                              p
                              + 0.2
                                * Vec3.make (rng.NextDouble() - 0.5) (rng.NextDouble() - 0.5) (rng.NextDouble() - 0.5))

                      let ids = Array.init atoms.Length (fun a -> a + 1)
                      rng.Shuffle ids

                      let f (x: float) =
                          x.ToString("R", Globalization.CultureInfo.InvariantCulture)

                      File.WriteAllLines(
                          Path.Combine(dir, "fe.lammpstrj"),
                          [ yield "ITEM: TIMESTEP"
                            yield "0"
                            yield "ITEM: NUMBER OF ATOMS"
                            yield string atoms.Length
                            yield "ITEM: BOX BOUNDS xy xz yz " + bounds
                            yield sprintf "0 %g 6" (lx + 9.0)
                            yield sprintf "-2 %g 3" ly
                            yield sprintf "0 %g -2" lz
                            yield "ITEM: ATOMS id type x y z"
                            for a in 0 .. atoms.Length - 1 ->
                                sprintf "%d 1 %s %s %s" ids.[a] (f atoms.[a].X) (f atoms.[a].Y) (f atoms.[a].Z) ]
                      )

                      let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                      let spm out =
                          [ dll; "spm"; "fe.lammpstrj"; "--types"; "1=Fe"; "--out"; out ]
                          @ [ "--mode"; "bulk"; "--box"; box; "--stride"; "2"; "--samples"; "3" ]

                      oneThenTwo mpirun dir spm |> streamedParts dir)

          }

          test "mpirun -n 2 arise spm killed (SIGKILL) mid-run, then run again: only the missing chunks, the same outputs" {
              withMpirun (fun mpirun ->
                  let dir, spm = slabRunOnce 4 90.0
                  let launch = [ "--oversubscribe"; "-n"; "2"; "dotnet" ] @ spm "two"

                  let info =
                      Diagnostics.ProcessStartInfo(mpirun, WorkingDirectory = dir, RedirectStandardOutput = true)

                  for a in launch do
                      info.ArgumentList.Add a

                  for name, value in asRoot do
                      info.Environment.[name] <- value

                  // killed once the first chunk is on disk (the whole job: mpirun and both processes)
                  let chunks = Path.Combine(dir, "two", "chunks")

                  do
                      use p = Diagnostics.Process.Start info
                      let clock = Diagnostics.Stopwatch.StartNew()

                      while not p.HasExited
                            && clock.Elapsed.TotalSeconds < 300.0
                            && not (Directory.Exists chunks && Directory.GetFiles(chunks, "chunk_*.npz").Length >= 1) do
                          Threading.Thread.Sleep 50

                      if not p.HasExited then
                          p.Kill true

                      p.WaitForExit()

                  // the processes of the job die with mpirun; wait until neither is left (at most 20 s)
                  let lockFile = Path.Combine(dir, "two", ".arise.lock")
                  let clock = Diagnostics.Stopwatch.StartNew()

                  let holderAlive () =
                      match
                          File.Exists lockFile,
                          Int32.TryParse(
                              try
                                  File.ReadAllText lockFile
                              with _ ->
                                  ""
                          )
                      with
                      | true, (true, pid) ->
                          Directory.Exists(sprintf "/proc/%d" pid)
                          && not ((File.ReadAllText(sprintf "/proc/%d/stat" pid)).Contains ") Z ")
                      | _ -> false

                  while holderAlive () && clock.Elapsed.TotalSeconds < 20.0 do
                      Threading.Thread.Sleep 100

                  let before = Directory.GetFiles(chunks, "chunk_*.npz").Length
                  Expect.isGreaterThanOrEqual before 1 "killed after a chunk"
                  let code, out, errors = runProcessWith asRoot dir mpirun launch 600
                  Expect.equal code 0 (sprintf "rerun: exit 0 (%s)" errors)
                  Expect.stringContains out "resuming" "it resumed"

                  for file in [ "boxes.csv"; "atoms.xyz" ] do
                      Expect.equal
                          (File.ReadAllBytes(Path.Combine(dir, "two", file)))
                          (File.ReadAllBytes(Path.Combine(dir, "one", file)))
                          (sprintf "%s byte-identical after the kill" file))
          }

          test "under mpirun, classify of the embedded sample (no file to split) runs once, in the first process" {
              withMpirun (fun mpirun ->
                  let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                  let code, out, errors =
                      runProcessWith
                          asRoot
                          (Path.GetTempPath())
                          mpirun
                          [ "--oversubscribe"; "-n"; "2"; "dotnet"; dll; "classify"; "--json" ]
                          600

                  Expect.equal code 0 (sprintf "exit 0 (%s)" errors)
                  let objects = Text.Json.JsonDocument.Parse(out).RootElement.GetArrayLength()
                  Expect.equal objects 1 "the embedded sample classified once")
          } ]
