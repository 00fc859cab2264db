/// The `arise` command as users run it: a separate process, its exit code, stdout and stderr.
module Arise.Tests.CliTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open Expecto
open Arise.Structure
open Arise.Tests.Common

/// Runs `arise ARGS` (the Arise.Cli.dll built beside the tests) in `dir` with extra `environment` variables; returns
/// exit code, stdout and stderr.
let private ariseWith (environment: (string * string) list) (dir: string) (args: string list) =
    runProcessWith environment dir "dotnet" (Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll") :: args) 300

/// Runs `arise ARGS` in `dir`; returns exit code, stdout and stderr.
let private arise (dir: string) (args: string list) = ariseWith [] dir args

/// A fresh folder for one test's files.
let private folder () =
    let dir =
        Path.Combine(Path.GetTempPath(), "arise-cli-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory dir |> ignore
    dir

let private write (dir: string) (name: string) (s: Structure) =
    let path = Path.Combine(dir, name)
    StructureIO.writeXyz path [ s ]
    path

/// The JSON objects a verb printed: --json prints one array (json.load-able), --jsonl one object a line.
let private jsonLines (stdout: string) =
    if stdout.TrimStart().StartsWith "[" then
        JsonDocument.Parse(stdout).RootElement.EnumerateArray() |> Seq.toArray
    else
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun l -> JsonDocument.Parse(l).RootElement)

let private topClass (o: JsonElement) =
    o.GetProperty("top").[0].GetProperty("class").GetString()

/// A `dotnet` first on PATH that logs its calls to DIR/dotnet-calls.log and runs `onBuild` (bash) for `dotnet build`;
/// returns a function that runs the launcher copy `launcher` with it (exit code, stdout, stderr) and the log's path.
let private withFakeDotnet (dir: string) (launcher: string) (onBuild: string) =
    let fakeBin = Path.Combine(dir, "fake-bin")
    Directory.CreateDirectory fakeBin |> ignore
    let log = Path.Combine(dir, "dotnet-calls.log")
    let fakeDotnet = Path.Combine(fakeBin, "dotnet")
    File.WriteAllText(fakeDotnet, sprintf "#!/usr/bin/env bash\necho \"$*\" >> '%s'\nif [ \"$1\" = build ]; then %s; fi\n" log onBuild)

    let executable =
        UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute

    File.SetUnixFileMode(fakeDotnet, executable)
    File.SetUnixFileMode(launcher, executable)

    let path =
        fakeBin + string Path.PathSeparator + Environment.GetEnvironmentVariable "PATH"

    (fun (args: string list) -> runProcessWith [ "PATH", path ] dir "bash" (launcher :: args) 60), log

/// Starts `arise args` in `dir` (output read and passed to `onOutput` line by line) without waiting for it.
let private startArise (dir: string) (args: string list) (onOutput: string -> unit) =
    let info =
        ProcessStartInfo("dotnet", WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true)

    for a in Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll") :: args do
        info.ArgumentList.Add a

    let p = Process.Start info

    p.OutputDataReceived.Add(fun e ->
        if not (isNull e.Data) then
            onOutput e.Data)

    p.ErrorDataReceived.Add ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    p

/// A 100 × 100 × 8 Å fcc/bcc slab (Voronoi `seed`) as slab.xyz in `dir`, and the spm arguments that map it into `out`
/// at stride 2 (43 × 43 boxes: four chunks of 512), T = 5.
let private spmSlab (dir: string) (seed: int) =
    let grains = [ Crystals.fcc 26 3.61; Crystals.bcc 26 2.87 ]

    write dir "slab.xyz" (Polycrystal.voronoi seed grains (Vec3.make 100.0 100.0 8.0) true 1.5)
    |> ignore

    fun (out: string) -> [ "spm"; "slab.xyz"; "--out"; out; "--stride"; "2"; "--samples"; "5" ]

/// The outputs of the interrupted run `killed` are those of the uninterrupted run `clean`: boxes.csv and atoms.xyz
/// byte for byte, the spm.npz arrays, and no partial file left.
let private expectSameSpm (dir: string) (killed: string) (clean: string) (what: string) =
    for file in [ "boxes.csv"; "atoms.xyz" ] do
        Expect.equal
            (File.ReadAllBytes(Path.Combine(dir, killed, file)))
            (File.ReadAllBytes(Path.Combine(dir, clean, file)))
            (sprintf "%s byte-identical %s" file what)

    let arrays (run: string) =
        Arise.Numerics.Npy.readNpz (Path.Combine(dir, run, "spm.npz"))
        |> Result.defaultWith failwith
        |> Map.map (fun _ a -> a.Data)

    Expect.equal (arrays killed) (arrays clean) "spm.npz arrays equal"
    Expect.isEmpty (Directory.GetFiles(Path.Combine(dir, killed), "*.partial")) "no partial file left"

/// A prototype library of three elemental solids (fcc Cu, bcc Fe, hcp Mg) in lib/ of a fresh folder, for train and tune.
let prototypeLibrary () =
    let dir = folder ()

    for name, s in
        [ "fcc_Cu", Crystals.fcc 29 3.61
          "bcc_Fe", Crystals.bcc 26 2.87
          "hcp_Mg", Crystals.hcp 12 3.21 5.21 ] do
        let d =
            Directory.CreateDirectory(Path.Combine(dir, "lib", "Elemental_solids", name)).FullName

        write d (name + ".xyz") s |> ignore

    dir

/// A short `train` on the library of prototypeLibrary.
let trainArgs (out: string) =
    [ "train"
      "--prototypes"
      "lib"
      "--out"
      out
      "--epochs"
      "40"
      "--patience"
      "0"
      "--selection"
      "off" ]

/// A short `tune` on the library of prototypeLibrary.
let private tuneArgs (out: string) =
    [ "tune"
      "--prototypes"
      "lib"
      "--out"
      out
      "--trials"
      "6"
      "--epochs"
      "3"
      "--top"
      "2" ]

/// A model file's weights (hash) and classes.
let modelWeights (dir: string) (file: string) =
    let m = Arise.Model.ModelFile.load (Path.Combine(dir, file)) |> ok file
    Arise.Model.Network.weightsHash m.Network, m.Metadata.Classes

/// An fcc Cu cluster of 4·n³ atoms written as extended XYZ text (n = 40: 256,000 atoms, 6.8 MB).
let private bigCluster (path: string) (n: int) =
    use w = new StreamWriter(path)
    w.WriteLine(4 * n * n * n)
    w.WriteLine()

    for i in 0 .. n - 1 do
        for j in 0 .. n - 1 do
            for k in 0 .. n - 1 do
                for bx, by, bz in [ 0.0, 0.0, 0.0; 0.5, 0.5, 0.0; 0.5, 0.0, 0.5; 0.0, 0.5, 0.5 ] do
                    w.WriteLine(
                        String.Format(
                            Globalization.CultureInfo.InvariantCulture,
                            "Cu {0:F4} {1:F4} {2:F4}",
                            (float i + bx) * 3.6,
                            (float j + by) * 3.6,
                            (float k + bz) * 3.6
                        )
                    )

/// Batches whose worker process dies (issue 26, item 3): the other files keep their results, in input order.
let private supervisorTests =
    [ test "a file that runs the process out of memory loses only its own result: the files before and after it are reported" {
          let dir = folder ()
          let a = write dir "a.xyz" (Crystals.fcc 29 3.61)
          let c = write dir "c.xyz" (Crystals.bcc 26 2.87)
          bigCluster (Path.Combine(dir, "b.xyz")) 40
          // a 32 MB heap: the 256,000-atom file runs the runtime out of memory, which ends the process (exit 134)
          let limit = [ "DOTNET_GCHeapHardLimit", "0x2000000" ]

          let code, out, err =
              ariseWith limit dir [ "info"; "--csv"; "a.xyz"; "b.xyz"; "c.xyz" ]

          let rows = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
          Expect.equal code 1 "a file failed: exit 1"
          Expect.equal rows.Length 4 (sprintf "one header and a row per file, in order:\n%s\n%s" out err)
          Expect.stringStarts rows.[0] "file,atoms" "the header once"
          Expect.stringStarts rows.[2] "b.xyz," "the crashed file's row"
          Expect.stringContains rows.[2] "exit 134" "its error names the exit"
          Expect.stringContains err "while working on b.xyz" "stderr names the file the process died on"
          // the others are as when run without the crashing file
          let _, alone, _ = arise dir [ "info"; "--csv"; a; c ]
          let expected = alone.Split('\n', StringSplitOptions.RemoveEmptyEntries)
          Expect.equal rows.[1] (expected.[1].Replace(a, "a.xyz")) "a.xyz's row"
          Expect.equal rows.[3] (expected.[2].Replace(c, "c.xyz")) "c.xyz's row"
          // in one process (ARISE_SUPERVISE=0) the crash takes the whole batch down: why the supervisor is there
          let code1, out1, _ =
              ariseWith (("ARISE_SUPERVISE", "0") :: limit) dir [ "info"; "--csv"; "a.xyz"; "b.xyz"; "c.xyz" ]

          Expect.equal code1 134 "one process: aborted"
          Expect.isFalse (out1.Contains "c.xyz") "one process: c.xyz never reported"
      }

      test "a worker that dies while classifying files together: each is run alone, the culprit gets the error, the JSON stays one array" {
          let dir = folder ()

          let files =
              [ "a.xyz", Crystals.fcc 29 3.61
                "b.xyz", Crystals.bcc 26 2.87
                "c.xyz", Crystals.fcc 13 4.05
                "d.xyz", Crystals.bcc 74 3.16 ]

          for name, s in files do
              write dir name s |> ignore

          let names = files |> List.map fst

          let code, out, err =
              ariseWith [ "ARISE_TEST_ABORT_ON", "c.xyz" ] dir ("classify" :: "--json" :: "--samples" :: "20" :: names)

          Expect.equal code 0 (sprintf "the others were classified: exit 0\n%s" err)
          let objects = jsonLines out
          Expect.equal (objects |> Array.map (fun o -> o.GetProperty("file").GetString())) (Array.ofList names) "every file once, in order"
          Expect.stringContains err "run one at a time" "the group is split to find the culprit"
          Expect.stringContains (objects.[2].GetProperty("error").GetString()) "exit 134" "c.xyz's error names the exit"
          // the others' predictions are those of a run without the abort
          let _, clean, _ =
              ariseWith [ "ARISE_SUPERVISE", "0" ] dir ("classify" :: "--json" :: "--samples" :: "20" :: [ "a.xyz"; "b.xyz"; "d.xyz" ])

          let expected = jsonLines clean

          for o, e in Array.zip [| objects.[0]; objects.[1]; objects.[3] |] expected do
              Expect.equal (o.GetRawText()) (e.GetRawText()) "same result as without the crash"
      } ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "arise command"
        (supervisorTests
         @ [ test "classify with no file classifies the embedded sample as fcc with a low mutual information" {
                 let code, out, _ = arise (folder ()) [ "classify"; "--json"; "--samples"; "200" ]
                 Expect.equal code 0 "exit code"
                 let o = (jsonLines out).[0]
                 Expect.equal (topClass o) "fcc_Cu_A_cF4_225_a" "fcc"
                 Expect.isLessThan (o.GetProperty("mutual_information").GetDouble()) 0.03 "confident"
                 Expect.equal (o.GetProperty("uncertainty").GetString()) "low" "its level"
             }

             test "classify's table written to a pipe keeps each row on one line (not wrapped at 80 columns)" {
                 let dir = folder ()

                 let file =
                     write dir "a-rather-long-file-name-for-an-fcc-cluster.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 4 4 4)
                 // COLUMNS empty, as in a non-interactive shell
                 let dll = Path.Combine(AppContext.BaseDirectory, "Arise.Cli.dll")

                 let code, out, _ =
                     runProcessWith [ "COLUMNS", "" ] dir "dotnet" [ dll; "classify"; "--samples"; "50"; file ] 300

                 Expect.equal code 0 "exit code"
                 let row = out.Split('\n') |> Array.tryFind (fun l -> l.Contains file)
                 Expect.isSome row "the whole path on one line"
                 Expect.stringContains row.Value "fcc_Cu_A_cF4_225_a (Elemental_solids)" "with its class and type on the same line"
             }

             test "--one-species reads every atom as the most common element: classify, descriptor and spm on doped graphene in pixels" {
                 let dir = folder ()

                 let sheet =
                     Arise.Structures.Supercell(Arise.Structures.Graphene(bond = 10.81, vacuum = 150.0), 6, 6, 1, finite = true)

                 let doped =
                     { sheet with
                         Numbers = sheet.Numbers |> Array.mapi (fun i z -> if i = 40 || i = 100 then 14 else z) }

                 write dir "stem.xyz" doped |> ignore

                 let code, out, err =
                     arise dir [ "classify"; "stem.xyz"; "--one-species"; "--json"; "--samples"; "20" ]

                 Expect.equal code 0 (sprintf "classify ran: %s" err)
                 let r = (jsonLines out).[0]
                 Expect.equal (r.GetProperty("top").[0].GetProperty("class").GetString()) "C" "graphene, read as one species"

                 let pairs (args: string list) =
                     let code, out, err = arise dir ([ "descriptor"; "stem.xyz"; "--json" ] @ args)
                     Expect.equal code 0 (sprintf "descriptor ran: %s" err)

                     [ for p in (jsonLines out).[0].GetProperty("dnn").EnumerateObject() -> p.Name ]
                     |> List.sort

                 Expect.equal (pairs [ "--one-species" ]) [ "C-C" ] "one species: one pair"
                 // without the option the two Si atoms, far apart, are described too (the sparse-species search)
                 Expect.equal (pairs []) [ "C-C"; "C-Si"; "Si-C"; "Si-Si" ] "as read: four pairs"

                 let code, _, err =
                     arise
                         dir
                         [ "spm"
                           "stem.xyz"
                           "--out"
                           "run"
                           "--one-species"
                           "--box"
                           "60"
                           "--stride"
                           "30"
                           "--samples"
                           "5" ]

                 Expect.equal code 0 (sprintf "spm ran: %s" err)
                 Expect.isFalse (File.ReadAllText(Path.Combine(dir, "run", "atoms.xyz")).Contains " Si ") "the mapped sample is all C"
             }

             test "classify: each bad file gets its own message, the others are still classified, exit 0" {
                 let dir = folder ()
                 let good = write dir "bcc.xyz" (Crystals.bcc 26 2.87 |> Supercell.finite 5 5 5)
                 let unreadable = Path.Combine(dir, "garbage.xyz")
                 File.WriteAllText(unreadable, "this is not a structure\n")
                 let one = write dir "one.xyz" (Structure.cluster [| Vec3.zero |] [| 26 |])

                 let point =
                     write dir "point.xyz" (Structure.cluster (Array.create 10 (Vec3.make 1.0 1.0 1.0)) (Array.create 10 26))

                 let sparse =
                     write
                         dir
                         "sparse.xyz"
                         (Crystals.fcc 29 3.61
                          |> Supercell.finite 10 10 10
                          |> Defects.removeFraction 3 0.996)

                 let code, out, err =
                     arise
                         dir
                         [ "classify"
                           "--json"
                           "--samples"
                           "100"
                           unreadable
                           good
                           one
                           point
                           sparse ]

                 Expect.equal code 0 "not every file failed"
                 let objects = jsonLines out

                 Expect.equal
                     (objects |> Array.map (fun o -> o.GetProperty("file").GetString()))
                     [| unreadable; good; one; point; sparse |]
                     "one object per file, in order"

                 Expect.equal (topClass objects.[1]) "bcc_W_A_cI2_229_a" "the good file is classified"

                 for k in [ 0; 2; 3 ] do
                     let e = objects.[k].GetProperty("error").GetString()
                     Expect.isNotNull e (sprintf "%s has an error" (objects.[k].GetProperty("file").GetString()))
                     Expect.stringContains e (Path.GetFileName(objects.[k].GetProperty("file").GetString())) "the message names the file"
                     Expect.equal (objects.[k].GetProperty("uncertainty").ValueKind) JsonValueKind.Null "no level without a prediction"

                 Expect.stringContains (objects.[3].GetProperty("error").GetString()) "overlap" "all atoms at one point: said"
                 // 99.6 % of a 4,000-atom cluster missing (16 atoms left): classified, but with a warning that names the file
                 Expect.equal (objects.[4].GetProperty("error").ValueKind) JsonValueKind.Null "the sparse file is classified"
                 Expect.stringContains err "sparse.xyz" "a warning names the sparse file"
             }

             test "a folder stands for the structure files inside it, in name order" {
                 let dir = folder ()
                 let inner = Path.Combine(dir, "run")
                 Directory.CreateDirectory inner |> ignore
                 write inner "b.xyz" (Crystals.bcc 26 2.87 |> Supercell.finite 4 4 4) |> ignore
                 write inner "a.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 4 4 4) |> ignore
                 File.WriteAllText(Path.Combine(inner, "notes.txt"), "not a structure")
                 File.WriteAllText(Path.Combine(inner, "c.xyz"), "")
                 // a pipe would block a reader for ever: listed entries of length 0 are reported, never opened
                 let fifo = Path.Combine(inner, "d.xyz")

                 let madeFifo =
                     try
                         use p =
                             Process.Start(ProcessStartInfo("mkfifo", fifo, RedirectStandardError = true))

                         p.WaitForExit()
                         p.ExitCode = 0
                     with _ ->
                         false

                 let empty = Path.Combine(dir, "empty")
                 Directory.CreateDirectory empty |> ignore

                 let code, out, _ =
                     arise dir [ "classify"; "--json"; "--samples"; "50"; inner; empty ]

                 Expect.equal code 0 "exit code"
                 let objects = jsonLines out

                 let names =
                     objects
                     |> Array.map (fun o -> Path.GetFileName(o.GetProperty("file").GetString()))

                 let expected =
                     [| "a.xyz"; "b.xyz"; "c.xyz"; (if madeFifo then "d.xyz" else ""); "empty" |]
                     |> Array.filter ((<>) "")

                 Expect.equal names expected "the folder's structure files, then the empty folder"
                 Expect.equal (objects |> Array.take 2 |> Array.map topClass) [| "fcc_Cu_A_cF4_225_a"; "bcc_W_A_cI2_229_a" |] "classified"
                 Expect.stringContains (objects.[2].GetProperty("error").GetString()) "empty, or not a regular file" "the empty file said"

                 if madeFifo then
                     Expect.stringContains (objects.[3].GetProperty("error").GetString()) "not a regular file" "the pipe said"

                 Expect.stringContains
                     (objects.[objects.Length - 1].GetProperty("error").GetString())
                     "without structure files"
                     "the empty folder said"
             }

             test "classify exits 1 when every file fails, and bad parameters exit 2 naming the parameter" {
                 let dir = folder ()
                 let unreadable = Path.Combine(dir, "garbage.xyz")
                 File.WriteAllText(unreadable, "this is not a structure\n")
                 let one = write dir "one.xyz" (Structure.cluster [| Vec3.zero |] [| 26 |])
                 let code, _, err = arise dir [ "classify"; unreadable; one ]
                 Expect.equal code 1 "every file failed"
                 Expect.stringContains err "garbage.xyz" "named"
                 Expect.stringContains err "one.xyz" "named"
                 let code, _, err = arise dir [ "classify"; "--samples"; "0"; one ]
                 Expect.equal code 2 "--samples 0"
                 Expect.stringContains err "--samples" "the parameter named"

                 for verb in [ [ "classify"; one ]; [ "spm"; one; "--out"; Path.Combine(dir, "o") ] ] do
                     let code, _, err = arise dir (verb @ [ "--samples"; "2147483647" ])
                     Expect.equal code 2 (sprintf "%s --samples 2147483647: refused (F13)" verb.Head)
                     Expect.stringContains err "--samples must lie in 1 to 100000" "the limit said"

                 let code, _, err = arise dir [ "classify"; "--sample"; "10"; one ]
                 Expect.equal code 2 "unknown option"
                 Expect.stringContains err "unknown option '--sample'" "the option named"
                 Expect.isFalse (err.Contains "   at ") "no stack trace"
             }

             test "train refuses a bad --dropout or --hidden with exit 2, naming the option, before any work" {
                 let dir = folder ()
                 let out = Path.Combine(dir, "m.model")

                 for option, value in
                     [ "--dropout", "1.5"
                       "--dropout", "-0.1"
                       "--hidden", "256,abc"
                       "--hidden", "256,,3"
                       "--hidden", "0" ] do
                     let code, _, err =
                         arise dir [ "train"; "--prototypes"; dir; "--out"; out; option; value ]

                     Expect.equal code 2 (sprintf "%s %s" option value)
                     Expect.stringContains err option (sprintf "%s named" option)
                     Expect.isFalse (File.Exists out) "nothing written"
             }

             test "train --from adds a class to a trained model, keeps its class order, and names what is missing" {
                 let dir = prototypeLibrary ()
                 // the model knows fcc and hcp; bcc is added from a library of its own
                 let added = Path.Combine(dir, "new", "Elemental_solids")
                 Directory.CreateDirectory added |> ignore
                 Directory.Move(Path.Combine(dir, "lib", "Elemental_solids", "bcc_Fe"), Path.Combine(added, "bcc_Fe"))
                 let code, _, err = arise dir (trainArgs "two.model")
                 Expect.equal code 0 (sprintf "the 2-class model: %s" err)

                 let extend extra =
                     arise
                         dir
                         ([ "train"
                            "--from"
                            "two.model"
                            "--prototypes"
                            "new"
                            "--out"
                            "three.model" ]
                          @ extra)

                 let code, out, err = extend [ "--epochs"; "30"; "--selection"; "off" ]
                 Expect.equal code 0 (sprintf "train --from: %s" err)
                 Expect.stringContains out "adding 1 classes to the 2 of two.model" "says what it adds"
                 Expect.stringContains out "two.model.training-set.npz" "the model's data read from its saved set"

                 let three =
                     Arise.Model.ModelFile.load (Path.Combine(dir, "three.model")) |> ok "load"

                 let two = Arise.Model.ModelFile.load (Path.Combine(dir, "two.model")) |> ok "load"
                 Expect.equal three.Metadata.Classes (Array.append two.Metadata.Classes [| "bcc_Fe" |]) "old classes first"
                 Expect.equal three.Network.Architecture.DropoutRate two.Network.Architecture.DropoutRate "its dropout"
                 // refused before any work: the model's data lacking its classes, --known alone, nothing new
                 let refused (args: string list) (says: string) =
                     let code, _, err = arise dir (args @ [ "--out"; "x.model" ])
                     Expect.equal code 2 (sprintf "%s: exit 2" says)
                     Expect.stringContains err says "the reason"
                     Expect.isFalse (File.Exists(Path.Combine(dir, "x.model"))) "nothing written"

                 let from = [ "train"; "--from"; "two.model"; "--prototypes"; "new" ]
                 refused (from @ [ "--known"; "new" ]) "new lacks 2 of the 2 classes of two.model"
                 refused [ "train"; "--prototypes"; "new"; "--known"; "lib" ] "--known is for --from"
                 refused (from @ [ "--hidden"; "8" ]) "--hidden: two.model has hidden layers"
                 // every pristine structure of all three classes recognised; nothing new in the full library
                 Directory.Move(Path.Combine(added, "bcc_Fe"), Path.Combine(dir, "lib", "Elemental_solids", "bcc_Fe"))

                 let code, out, err =
                     arise dir [ "evaluate"; "--model"; "three.model"; "--prototypes"; "lib"; "--csv" ]

                 Expect.equal code 0 (sprintf "evaluate: %s%s" out err)
                 Expect.stringContains out "all,12,12,100" "12 pristine structures, all right"
                 refused [ "train"; "--from"; "three.model"; "--prototypes"; "lib" ] "already in three.model: nothing to add"
             }

             test "a pipe or a device named directly, or linked as .xyz, is refused without being opened; the next file goes on" {
                 if OperatingSystem.IsWindows() then
                     skiptest "pipes and /dev/zero are Unix"

                 let dir = folder ()
                 let fifo = Path.Combine(dir, "pipe.xyz")

                 use p =
                     Process.Start(ProcessStartInfo("mkfifo", fifo, RedirectStandardError = true))

                 p.WaitForExit()
                 Expect.equal p.ExitCode 0 "mkfifo"
                 File.CreateSymbolicLink(Path.Combine(dir, "zero.xyz"), "/dev/zero") |> ignore
                 write dir "good.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 3 3 3) |> ignore

                 let code, out, _ =
                     arise dir [ "info"; "--json"; "pipe.xyz"; "zero.xyz"; "good.xyz" ]

                 Expect.equal code 1 "exit 1: some files failed"
                 let objects = jsonLines out
                 Expect.equal objects.Length 3 "three results"

                 for k in 0..1 do
                     Expect.stringContains (objects.[k].GetProperty("error").GetString()) "not a regular file" "refused, said why"

                 Expect.equal (objects.[2].GetProperty("atoms").GetInt32()) 108 "the good file read"
                 let code, _, err = arise dir [ "info"; "--format"; "xyz"; "/dev/zero" ]
                 Expect.equal code 1 "/dev/zero named with --format: an error"
                 Expect.stringContains err "not a regular file" "said"
             }

             test "verbs find the data release through ARISE_SHARED_DATA from any folder, and say how to give it when absent" {
                 let release = folder ()

                 let classDir =
                     Path.Combine(release, "prototypes", "Elemental_solids", "fcc_Cu_A_cF4_225_a")

                 Directory.CreateDirectory classDir |> ignore
                 write classDir "fcc.xyz" (Crystals.fcc 29 3.61) |> ignore
                 let elsewhere = folder ()

                 let code, out, err =
                     ariseWith [ "ARISE_SHARED_DATA", release ] elsewhere [ "evaluate"; "--samples"; "20" ]

                 Expect.equal code 0 (sprintf "evaluate ran from another folder (stderr: %s)" err)
                 // our one class: its periodic cell and three finite supercells, all right
                 Expect.isTrue
                     (Text.RegularExpressions.Regex.IsMatch(out, @"Elemental_solids\s*│\s*4\s*│\s*4\s*│"))
                     (sprintf "evaluated on the release's 4 structures: %s" out)

                 let code, out, _ =
                     ariseWith [ "ARISE_SHARED_DATA", release ] elsewhere [ "evaluate"; "--samples"; "20"; "--json" ]

                 Expect.equal code 0 "evaluate --json ran"
                 let rows = jsonLines out

                 Expect.equal
                     [ for r in rows -> r.GetProperty("type").GetString(), r.GetProperty("correct").GetInt32() ]
                     [ "Elemental_solids", 4; "all", 4 ]
                     "one object per material type and one for all"

                 let empty = folder ()

                 let code, _, err = ariseWith [ "ARISE_SHARED_DATA", empty ] empty [ "benchmark" ]

                 Expect.equal code 2 "no prototypes: exit 2 before any work"
                 Expect.stringContains err "ARISE_SHARED_DATA" "names the variable"
                 Expect.stringContains err "--prototypes" "and the option"
             }

             test "an uncertainty warning gives the level's measured error rate and possible causes, not a claim" {
                 withData (fun data ->
                     // pristine hcp Mg, a training prototype: right (p 0.92) with a high mutual information
                     let file =
                         Path.Combine(data, "prototypes", "Elemental_solids", "hcp_Mg_A_hP2_194_c", "hcp_Mg_A_hP2_194_c.in")

                     let code, out, err = arise (folder ()) [ "classify"; file ]
                     Expect.equal code 0 "classified"
                     Expect.stringContains out "hcp_Mg_A_hP2_194_c" "right"
                     Expect.stringContains err "high uncertainty" "warned"
                     Expect.stringContains err "3.5 % of the predictions at this level were wrong" "the level's measured error rate"
                     Expect.stringContains err "Possible causes" "causes as possibilities"
                     Expect.isFalse (err.Contains "far from every prototype") "no claim the tool cannot know")
             }

             test "--json prints one JSON array that json.load reads, --jsonl one object a line, for classify, info and descriptor" {
                 let dir = folder ()
                 let a = write dir "a.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 3 3 3)
                 let b = write dir "b.xyz" (Crystals.bcc 26 2.87 |> Supercell.finite 4 4 4)

                 for verb in [ [ "classify"; "--samples"; "20" ]; [ "info" ]; [ "descriptor" ] ] do
                     let code, out, err = arise dir (verb @ [ "--json"; a; b ])
                     Expect.equal code 0 (sprintf "%s ran: %s" verb.Head err)
                     let doc = JsonDocument.Parse(out).RootElement
                     Expect.equal doc.ValueKind JsonValueKind.Array (sprintf "%s --json: one array" verb.Head)
                     Expect.equal (doc.GetArrayLength()) 2 "an object per file"
                     let code, out, _ = arise dir (verb @ [ "--jsonl"; a; b ])
                     Expect.equal code 0 "ran"
                     let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                     Expect.equal lines.Length 2 (sprintf "%s --jsonl: a line per file" verb.Head)

                     for l in lines do
                         Expect.equal (JsonDocument.Parse(l).RootElement.ValueKind) JsonValueKind.Object "each line an object"

                 let code, out, _ =
                     arise dir [ "info"; "--json"; Path.Combine(dir, "missing-folder") ]

                 Expect.equal code 1 "nothing read"
                 Expect.equal (JsonDocument.Parse(out).RootElement.GetArrayLength()) 1 "still one array, with the error"
             }

             test "a second spm run into a folder in use is refused; a lock left by a process that is gone is taken over (F11)" {
                 let dir = folder ()
                 write dir "fcc.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 6 6 2) |> ignore
                 let out = Path.Combine(dir, "run")
                 Directory.CreateDirectory out |> ignore
                 let lock = Path.Combine(out, ".arise.lock")
                 // this test's own process stands for a run in progress
                 File.WriteAllText(lock, string Environment.ProcessId)

                 let args =
                     [ "spm"
                       "fcc.xyz"
                       "--out"
                       "run"
                       "--box"
                       "10"
                       "--stride"
                       "4"
                       "--samples"
                       "5" ]

                 let code, _, err = arise dir args
                 Expect.equal code 2 "refused"
                 Expect.stringContains err (sprintf "in use by another arise run (process %d)" Environment.ProcessId) "says by whom"
                 Expect.isFalse (File.Exists(Path.Combine(out, "spm.npz"))) "nothing written"
                 File.WriteAllText(lock, "2147483")
                 let code, _, err = arise dir args
                 Expect.equal code 0 (sprintf "a stale lock is taken over (stderr: %s)" err)
                 Expect.isTrue (File.Exists(Path.Combine(out, "spm.npz"))) "the run finished"
                 // summary.json says for scripts what the printed summary says
                 let summary =
                     JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json"))).RootElement

                 let number (name: string) = summary.GetProperty(name).GetInt32()
                 Expect.equal (number "boxes") (number "classified" + number "empty" + number "failed") "boxes add up"
                 Expect.isGreaterThan (number "classified") 0 "boxes classified"

                 let shares =
                     summary.GetProperty("classes").EnumerateArray()
                     |> Seq.sumBy (fun c -> c.GetProperty("share").GetDouble())

                 Expect.floatClose Accuracy.medium shares 1.0 "class shares add up to 1"
                 Expect.stringStarts (summary.GetProperty("classes").[0].GetProperty("class").GetString()) "fcc" "fcc first"
                 Expect.isFalse (File.Exists lock) "and released its lock"
                 let code, out, _ = arise dir args
                 Expect.equal code 0 "a rerun over the finished run"
                 Expect.stringContains out "resuming: 1 of 1 chunks" "says it resumed, and from where"
             }

             test "--recursive reads the structure files in subfolders at any depth; without it the empty folder says so" {
                 let dir = folder ()
                 let top = Path.Combine(dir, "library")
                 let deep = Path.Combine(top, "Binaries", "CsCl")
                 Directory.CreateDirectory deep |> ignore
                 Directory.CreateDirectory(Path.Combine(top, ".hidden")) |> ignore
                 write deep "b.xyz" (Crystals.bcc 26 2.87 |> Supercell.finite 3 3 3) |> ignore

                 write (Path.Combine(top, "Binaries")) "a.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 3 3 3)
                 |> ignore

                 write (Path.Combine(top, ".hidden")) "h.xyz" (Crystals.fcc 29 3.61) |> ignore
                 let code, out, _ = arise dir [ "info"; "--json"; "library" ]
                 Expect.equal code 1 "the folder itself holds no structure files"
                 let o = (jsonLines out).[0]
                 Expect.stringContains (o.GetProperty("error").GetString()) "--recursive" "the message points at --recursive"
                 let code, out, err = arise dir [ "info"; "--json"; "--recursive"; "library" ]
                 Expect.equal code 0 (sprintf "read (stderr: %s)" err)

                 let names =
                     jsonLines out
                     |> Array.map (fun o -> Path.GetFileName(o.GetProperty("file").GetString()))

                 Expect.equal names [| "a.xyz"; "b.xyz" |] "both levels, in order, hidden folders left out"
             }

             test "descriptor prints by default the vector classify classifies (the embedded model's settings)" {
                 let dir = folder ()
                 // a periodic crystal with one atom whose whole first shell is removed: there the model's d_NN rule and the
                 // paper's differ (2.5527 against 2.5579 Å)
                 let s = Crystals.fcc 29 3.61 |> Supercell.repeat 4 4 4
                 let edge = 4.0 * 3.61
                 let wrap (x: float) = x - edge * round (x / edge)

                 let inFirstShell (p: Vec3) =
                     let d = p - s.Positions.[0]
                     sqrt (wrap d.X ** 2.0 + wrap d.Y ** 2.0 + wrap d.Z ** 2.0) < 3.0

                 let keep =
                     [| 0 .. Structure.count s - 1 |]
                     |> Array.filter (fun i -> i = 0 || not (inFirstShell s.Positions.[i]))

                 let file = write dir "vacancies.xyz" (Structure.select keep s)
                 let code, out, err = arise dir [ "descriptor"; "--json"; file ]
                 Expect.equal code 0 (sprintf "ran: %s" err)

                 let printed =
                     (jsonLines out).[0].GetProperty("descriptor").EnumerateArray()
                     |> Seq.map (fun v -> float32 (v.GetDouble()))
                     |> Array.ofSeq

                 let classified =
                     Arise.Recognizer.Default.Describe(StructureIO.read file |> ok "read")

                 Expect.equal printed classified "the same 316 numbers"
                 let _, paper, _ = arise dir [ "descriptor"; "--json"; "--dnn"; "arise"; file ]

                 let dnn (o: string) =
                     (jsonLines o).[0].GetProperty("dnn").GetProperty("Cu-Cu").GetDouble()

                 Expect.isLessThan (dnn out) (dnn paper) "the paper's rule (reference descriptors) stays with --dnn arise"
             }

             test "the command line names its flags for what a file or a grid needs; the library's own words name none" {
                 let dir = folder ()
                 let lammps = Path.Combine(dir, "two.data")

                 File.WriteAllText(
                     lammps,
                     "x\n\n2 atoms\n2 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\nAtoms # atomic\n\n1 1 0 0 0\n2 2 2 2 2\n"
                 )

                 let _, _, stderr = arise dir [ "info"; lammps ]
                 Expect.stringContains stderr "atom type 1 has no element" "the reason"
                 Expect.stringContains stderr "(--types)" "the flag that gives it"
                 let odd = Path.Combine(dir, "cell.weird")
                 File.WriteAllText(odd, "1\n\nCu 0 0 0\n")
                 let _, _, stderr = arise dir [ "info"; odd ]
                 Expect.stringContains stderr "(--format)" "the flag that names the format"
                 // a binary file named .cif: said to be binary, its bytes not echoed
                 let binary = Path.Combine(dir, "noise.cif")
                 File.WriteAllBytes(binary, Array.init 600 (fun i -> byte ((i * 7919 + 13) % 256)))
                 let _, _, stderr = arise dir [ "info"; binary ]
                 Expect.stringContains stderr "binary content" "said to be binary"
                 Expect.isLessThan stderr.Length 300 "no bytes echoed"

                 let code, _, stderr =
                     arise
                         dir
                         [ "spm"
                           write dir "fcc.xyz" (Crystals.fcc 29 3.61)
                           "--stride"
                           "0"
                           "--out"
                           Path.Combine(dir, "run") ]

                 Expect.equal code 2 "bad stride: exit 2"
                 Expect.stringContains stderr "--stride must be > 0" "the flag named"
                 // the library's messages: the settings by name, no flag
                 match StructureIO.readAllWith StructureIO.defaults lammps with
                 | Ok _ -> failtest "no types: an error"
                 | Error e ->
                     Expect.equal e.Needs (Some ReadSetting.Types) "typed: the types are missing"
                     Expect.isFalse ((string e).Contains "--") "no flag in the library's words"

                 let e =
                     Arise.Spm.SpmGrid.create
                         { Arise.Spm.SpmGrid.defaults with
                             Stride = 0.0 }
                         (Crystals.fcc 29 3.61)
                     |> err "stride 0"

                 Expect.equal e (Arise.Spm.BadStride 0.0) "typed grid error"
                 Expect.equal (string e) "stride must be > 0 (got 0)" "named as the setting"
             }

             test "-- ends the options: a file whose name starts with '-' is read" {
                 let dir = folder ()
                 write dir "-dash.xyz" (Crystals.fcc 29 3.61 |> Supercell.finite 3 3 3) |> ignore
                 let code, out, err = arise dir [ "info"; "--json"; "--"; "-dash.xyz" ]
                 Expect.equal code 0 (sprintf "exit 0 (stderr: %s)" err)
                 Expect.stringContains out "\"atoms\":108" "the file was read"
                 let code, _, err = arise dir [ "info"; "-dash.xyz" ]
                 Expect.equal code 0 (sprintf "an existing file that starts with '-' is read without -- too (stderr: %s)" err)
             }

             test "explore takes the SPM folder; its HDBSCAN and UMAP sizes follow the number of boxes" {
                 let dir = folder ()
                 let grains = [ Crystals.fcc 26 3.61; Crystals.bcc 26 2.87 ]
                 let sample = Polycrystal.voronoi 5 grains (Vec3.make 48.0 48.0 8.0) true 1.5
                 write dir "bicrystal.xyz" sample |> ignore

                 let code, _, err =
                     arise
                         dir
                         [ "spm"
                           "bicrystal.xyz"
                           "--out"
                           "run"
                           "--box"
                           "12"
                           "--stride"
                           "3"
                           "--samples"
                           "10" ]

                 Expect.equal code 0 (sprintf "spm ran (stderr: %s)" err)
                 let code, out, err = arise dir [ "explore"; "run"; "--no-umap" ]
                 Expect.equal code 0 (sprintf "explore ran on the folder (stderr: %s)" err)

                 let boxes =
                     Text.RegularExpressions.Regex.Match(out, @"(\d+) boxes classified").Groups.[1].Value
                     |> int

                 Expect.stringContains out (sprintf "min_cluster_size %d" (max 5 (boxes / 14))) "a fourteenth of the boxes"
                 Expect.isTrue (File.Exists(Path.Combine(dir, "run", "clusters.csv"))) "clusters.csv beside spm.npz"

                 let code, _, err =
                     arise dir [ "explore"; "run"; "--no-umap"; "--min-cluster-size"; string (boxes / 2) ]

                 Expect.equal code 0 "ran"
                 Expect.stringContains err "try a smaller --min-cluster-size" "no cluster: says which option to change"
                 // the clusters as data: JSON on standard output (messages on standard error), CSV, and a summary file
                 let code, out, _ = arise dir [ "explore"; "run"; "--no-umap"; "--json" ]
                 Expect.equal code 0 "explore --json ran"
                 let clusters = jsonLines out
                 Expect.isNonEmpty clusters "one object per cluster"

                 Expect.equal
                     (clusters |> Array.sumBy (fun c -> c.GetProperty("boxes").GetInt32()))
                     boxes
                     "every explored box in one cluster or the outliers"

                 let summary =
                     JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run", "explore_summary.json"))).RootElement

                 Expect.equal (summary.GetProperty("boxes").GetInt32()) boxes "explore_summary.json: the boxes"
                 Expect.isTrue (File.Exists(Path.Combine(dir, "run", "summary.json"))) "spm's own summary.json is kept"
                 let code, out, _ = arise dir [ "explore"; "run"; "--no-umap"; "--csv" ]
                 let lines = out.Trim().Split('\n')
                 Expect.equal code 0 "explore --csv ran"
                 Expect.stringStarts lines.[0] "cluster,boxes,share,hard,main_class" "CSV header"
                 Expect.equal (lines.Length - 1) clusters.Length "a row per cluster"
             }

             test "info and descriptor print CSV; overlapping atoms are counted, not called many" {
                 let dir = folder ()
                 let fcc = write dir "fcc.xyz" (Crystals.fcc 29 3.61)

                 let piled =
                     write
                         dir
                         "piled.xyz"
                         (Structure.cluster [| Vec3.zero; Vec3.make 0.0 0.0 0.005; Vec3.make 2.5 0.0 0.0 |] [| 29; 29; 29 |])

                 let code, out, _ = arise dir [ "info"; "--csv"; fcc; piled ]
                 let lines = out.Trim().Split('\n')
                 Expect.equal code 0 "info --csv ran"
                 Expect.equal lines.[0] "file,atoms,frames,formula,species,a,b,c,alpha,beta,gamma,periodic,dnn,error" "header"
                 Expect.stringContains lines.[1] ",4,1,Cu4,Cu:4,3.61," "fcc: atoms, formula, species and a (Å)"
                 Expect.stringContains lines.[2] "2 of the 3 atoms have an overlapping partner" "the overlap counted"
                 let code, out, _ = arise dir [ "descriptor"; "--csv"; fcc ]
                 let lines = out.Trim().Split('\n')
                 Expect.equal code 0 "descriptor --csv ran"
                 Expect.equal (lines.[0].Split(',').Length) 318 "file, error and 316 components"
                 Expect.equal (lines.[1].Split(',').Length) 318 "one row of them"
             }

             test "a class named by its formula only is shown with its common name: C is graphene" {
                 let dir = folder ()

                 let sheet =
                     write dir "graphene.xyz" (Crystals.graphene 6 1.42 20.0 |> Supercell.repeat 4 4 1)

                 let code, out, _ = arise dir [ "classify"; "--samples"; "100"; sheet ]
                 Expect.equal code 0 "classified"
                 Expect.stringContains out "C (graphene; 2D_materials)" "the common name beside the class"

                 Expect.equal
                     (Prototypes.displayName "fcc_Cu_A_cF4_225_a" "Elemental_solids")
                     "fcc_Cu_A_cF4_225_a (Elemental_solids)"
                     "others as before"
             }

             test "spm killed (SIGKILL) mid-run and run again gives byte-identical boxes.csv and atoms.xyz and equal spm.npz arrays" {
                 let dir = folder ()
                 let args = spmSlab dir 7
                 let code, _, err = arise dir (args "clean")
                 Expect.equal code 0 (sprintf "the uninterrupted run (stderr: %s)" err)
                 use p = startArise dir (args "killed") ignore
                 let chunks = Path.Combine(dir, "killed", "chunks")
                 let clock = Stopwatch.StartNew()

                 let finished () =
                     if Directory.Exists chunks then
                         Directory.GetFiles(chunks, "chunk_*.npz").Length
                     else
                         0

                 while finished () < 2 && not p.HasExited && clock.Elapsed.TotalSeconds < 120.0 do
                     Threading.Thread.Sleep 20

                 let before = finished ()
                 p.Kill true
                 p.WaitForExit()
                 Expect.isGreaterThanOrEqual before 2 "killed after two chunks"
                 Expect.isLessThan before 4 "and before the last"
                 let code, out, err = arise dir (args "killed")
                 Expect.equal code 0 (sprintf "the rerun finished (stderr: %s)" err)
                 Expect.stringContains out "resuming" "it says it resumed"
                 expectSameSpm dir "killed" "clean" "after the kill"
             }

             test "spm killed (SIGKILL) at random moments, again and again, then run to its end gives the outputs of an uninterrupted run" {
                 let dir = folder ()
                 let args = spmSlab dir 11
                 let clock = Stopwatch.StartNew()
                 let code, _, err = arise dir (args "clean")
                 let whole = clock.Elapsed.TotalSeconds
                 Expect.equal code 0 (sprintf "the uninterrupted run (stderr: %s)" err)
                 // kills anywhere in a run: start-up, chunks, the final outputs and pictures (seeded, so repeatable)
                 let rng = Random 2026
                 let mutable kills = 0
                 let mutable finished = false

                 while kills < 4 && not finished do
                     use p = startArise dir (args "killed") ignore

                     if p.WaitForExit(int (1000.0 * (0.3 + rng.NextDouble() * whole))) then
                         Expect.equal p.ExitCode 0 "a run that was not killed finished"
                         finished <- true
                     else
                         p.Kill true
                         p.WaitForExit()
                         kills <- kills + 1

                 let code, _, err = arise dir (args "killed")
                 Expect.equal code 0 (sprintf "the last run finished (after %d kills; stderr: %s)" kills err)
                 Expect.isGreaterThanOrEqual kills 1 "killed at least once"
                 expectSameSpm dir "killed" "clean" (sprintf "after %d kills" kills)
                 printfn "spm: killed %d times at random moments of a %.1f s run; outputs as the uninterrupted run's" kills whole
             }

             test "PNG export through a Chromium: a picture per map, and no temporary page or browser profile left (F12)" {
                 let dir = folder ()
                 let temp = Directory.CreateDirectory(Path.Combine(dir, "tmp")).FullName
                 // a stand-in browser: creates its profile folder, as Chromium does, and writes the screenshot it is asked
                 // for (a PNG header of 1024 × 768)
                 let browser = Path.Combine(dir, "fake-chromium")

                 File.WriteAllText(
                     browser,
                     "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in --screenshot=*) out=\"${a#--screenshot=}\";; \
                   --user-data-dir=*) prof=\"${a#--user-data-dir=}\";; esac; done\nmkdir -p \"$prof\"\n\
                   printf '\\211PNG\\r\\n\\032\\n\\0\\0\\0\\rIHDR\\0\\0\\004\\0\\0\\0\\003\\0' > \"$out\"\n"
                 )

                 File.SetUnixFileMode(browser, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)
                 let grains = [ Crystals.fcc 26 3.61; Crystals.bcc 26 2.87 ]

                 write dir "slab.xyz" (Polycrystal.voronoi 5 grains (Vec3.make 48.0 48.0 8.0) true 1.5)
                 |> ignore

                 let code, out, err =
                     ariseWith
                         [ "ARISE_CHROMIUM", browser; "TMPDIR", temp ]
                         dir
                         [ "spm"; "slab.xyz"; "--out"; "run"; "--stride"; "4"; "--samples"; "5" ]

                 Expect.equal code 0 (sprintf "spm ran (stderr: %s)" err)
                 let maps = Directory.GetFiles(Path.Combine(dir, "run"), "map_*.html")
                 Expect.isNonEmpty maps "maps written"

                 for m in maps do
                     let png = Path.ChangeExtension(m, ".png")
                     Expect.isTrue (File.Exists png) (sprintf "%s beside its map" (Path.GetFileName png))
                     Expect.equal (Arise.Pictures.Picture.pngDimensions png) (Some(1024, 768)) "the browser's picture"

                 Expect.stringContains out ".png" "the pictures are listed"
                 Expect.isEmpty (Directory.GetFileSystemEntries temp) "no arise-png-*.html page or browser profile left"
             }

             test "train and tune killed (SIGKILL) mid-run and run again give the same model as an uninterrupted run" {
                 let dir = prototypeLibrary ()


                 /// Starts `arise args` and kills it (SIGKILL, with its children) once its standard output has `marker`.
                 let killAt (args: string list) (marker: string) =
                     let seen = new Threading.ManualResetEventSlim(false)

                     use p =
                         startArise dir args (fun line ->
                             if line.Contains marker then
                                 seen.Set())

                     let reached = seen.Wait(TimeSpan.FromSeconds 120.0)
                     p.Kill true
                     p.WaitForExit()
                     reached

                 let weights = modelWeights dir

                 for name, args, marker in [ "train", trainArgs, "epoch  10"; "tune", tuneArgs, "trial" ] do
                     let code, _, err = arise dir (args ("clean-" + name + ".model"))
                     Expect.equal code 0 (sprintf "uninterrupted %s (stderr: %s)" name err)
                     Expect.isTrue (killAt (args (name + ".model")) marker) (sprintf "%s reached '%s' and was killed" name marker)
                     Expect.isFalse (File.Exists(Path.Combine(dir, name + ".model"))) (name + ": no model from the killed run")
                     let code, _, err = arise dir (args (name + ".model"))
                     Expect.equal code 0 (sprintf "%s run again (stderr: %s)" name err)

                     Expect.equal
                         (weights (name + ".model"))
                         (weights ("clean-" + name + ".model"))
                         (name + ": the same weights and classes")

                     Expect.isEmpty (Directory.GetFiles(dir, "*.partial")) (name + ": no partial file left")
             }

             test "train and tune killed (SIGKILL) at random moments, again and again, then run to the end give the uninterrupted model" {
                 let dir = prototypeLibrary ()


                 let weights = modelWeights dir

                 // kills anywhere in a run (start-up, descriptors, epochs or trials, the final model), seeded
                 let rng = Random 27

                 for name, args in [ "train", trainArgs; "tune", tuneArgs ] do
                     let clock = Stopwatch.StartNew()
                     let code, _, err = arise dir (args ("clean-" + name + ".model"))
                     let whole = clock.Elapsed.TotalSeconds
                     Expect.equal code 0 (sprintf "uninterrupted %s (stderr: %s)" name err)
                     let mutable kills = 0
                     let mutable finished = false

                     while kills < 4 && not finished do
                         use p = startArise dir (args (name + ".model")) ignore

                         if p.WaitForExit(int (1000.0 * (0.3 + rng.NextDouble() * whole))) then
                             Expect.equal p.ExitCode 0 (name + ": a run that was not killed finished")
                             finished <- true
                         else
                             p.Kill true
                             p.WaitForExit()
                             kills <- kills + 1

                     let code, _, err = arise dir (args (name + ".model"))
                     Expect.equal code 0 (sprintf "%s: the last run finished (after %d kills; stderr: %s)" name kills err)
                     Expect.isGreaterThanOrEqual kills 1 (name + ": killed at least once")

                     Expect.equal
                         (weights (name + ".model"))
                         (weights ("clean-" + name + ".model"))
                         (sprintf "%s: the same weights and classes after %d kills" name kills)

                     Expect.isEmpty (Directory.GetFiles(dir, "*.partial")) (name + ": no partial file left")
                     printfn "%s: killed %d times at random moments of a %.1f s run; the same model" name kills whole
             }

             test "a full disk while spm writes a chunk: exit 1 (the run failed), the reason, no partial chunk left" {
                 let dir = folder ()
                 write dir "fcc.xyz" (Crystals.fcc 29 3.61 |> Supercell.repeat 8 8 2) |> ignore
                 let chunks = Directory.CreateDirectory(Path.Combine(dir, "run", "chunks")).FullName
                 // the chunk's temporary file leads to /dev/full, where every write fails with "no space left on device"
                 File.CreateSymbolicLink(Path.Combine(chunks, "chunk_00000.npz.partial"), "/dev/full")
                 |> ignore

                 let code, _, err =
                     arise dir [ "spm"; "fcc.xyz"; "--out"; "run"; "--stride"; "4"; "--samples"; "2" ]

                 Expect.equal code 1 "a run that cannot write its work exits 1"
                 Expect.stringContains (err.ToLowerInvariant()) "space" "the reason"
                 Expect.isEmpty (Directory.GetFiles(chunks, "*.partial")) "no partial chunk left"
                 Expect.isEmpty (Directory.GetFiles(chunks, "chunk_*.npz")) "and no chunk"
             }

             test "identify speaks one label vocabulary, prints JSON and CSV, and refuses per-atom files for spglib" {
                 let dir = folder ()
                 let fcc = write dir "fcc.xyz" (Crystals.fcc 29 3.61 |> Supercell.repeat 4 4 4)

                 for m in [ "acna"; "baa"; "ptm" ] do
                     let code, out, _ = arise dir [ "identify"; "--method"; m; fcc ]
                     Expect.equal code 0 (m + " ran")
                     Expect.stringContains out "fcc 100.0 %" (m + ": the lower-case label of every method")
                     Expect.stringContains out "majority vote over the atoms with a label" "the vote says what it counts"

                 let code, out, _ = arise dir [ "identify"; "--jsonl"; fcc; "missing.xyz" ]
                 Expect.equal code 0 "one good file: exit 0"
                 let objects = jsonLines out
                 Expect.equal objects.Length 2 "one object per file"
                 Expect.equal (objects.[0].GetProperty("vote").GetString()) "fcc" "vote"
                 Expect.equal (objects.[0].GetProperty("labels").GetProperty("fcc").GetDouble()) 1.0 "share of fcc"
                 Expect.stringContains (objects.[1].GetProperty("error").GetString()) "no such file" "the bad file's error"
                 let code, out, _ = arise dir [ "identify"; "--csv"; fcc ]
                 Expect.equal code 0 "csv"
                 Expect.stringContains out "file,method,atoms,label,share,vote,error" "CSV header"
                 let code, _, err = arise dir [ "identify"; "--method"; "spglib"; "--per-atom"; fcc ]
                 Expect.equal code 2 "spglib has no per-atom labels: exit 2"
                 Expect.stringContains err "one space group per structure" "says why"
             }

             test "the ./arise launcher exits 3 when its build fails, and neither runs nor re-stamps the previous binary" {
                 if OperatingSystem.IsWindows() then
                     skiptest "the launcher is a bash script"
                 // a copy of the launcher in a fake clone: a source newer than the binary, and a `dotnet` first on PATH
                 // that logs its calls and fails the build
                 let dir = folder ()
                 let launcher = Path.Combine(dir, "arise")
                 File.Copy(Path.Combine(repositoryRoot.Value, "arise"), launcher)
                 let bin = Path.Combine(dir, "src", "Arise.Cli.fs", "bin", "Release", "net10.0")
                 Directory.CreateDirectory bin |> ignore
                 let dll = Path.Combine(bin, "Arise.Cli.dll")
                 File.WriteAllText(dll, "the previous binary")
                 let stamp = DateTime.UtcNow.AddHours -1.0
                 File.SetLastWriteTimeUtc(dll, stamp)
                 File.WriteAllText(Path.Combine(dir, "src", "Edited.fs"), "module Edited")
                 let run, log = withFakeDotnet dir launcher "echo 'error FS0039: broken' >&2; exit 1"

                 let code, _, err = run [ "--version" ]

                 Expect.equal code 3 "exit code of a failed build"
                 Expect.stringContains err "arise: build failed" "says so"
                 let calls = File.ReadAllLines log
                 Expect.exists calls (fun c -> c.StartsWith "build ") "the build was attempted"
                 Expect.isFalse (calls |> Array.exists (fun c -> c.Contains "Arise.Cli.dll")) "the previous binary was not run"
                 Expect.equal (File.GetLastWriteTimeUtc dll) stamp "nor re-stamped as fresh"
                 Expect.stringContains err "FS0039" "the compiler's error is shown"
             }

             test "the ./arise launcher does not rebuild for build outputs (bin/, obj/) newer than the binary" {
                 if OperatingSystem.IsWindows() then
                     skiptest "the launcher is a bash script"

                 let dir = folder ()
                 let launcher = Path.Combine(dir, "arise")
                 File.Copy(Path.Combine(repositoryRoot.Value, "arise"), launcher)
                 let bin = Path.Combine(dir, "src", "Arise.Cli.fs", "bin", "Release", "net10.0")
                 Directory.CreateDirectory bin |> ignore
                 File.WriteAllText(Path.Combine(dir, "src", "Source.fs"), "module Source")
                 File.SetLastWriteTimeUtc(Path.Combine(dir, "src", "Source.fs"), DateTime.UtcNow.AddHours -2.0)
                 let dll = Path.Combine(bin, "Arise.Cli.dll")
                 File.WriteAllText(dll, "the binary")
                 File.SetLastWriteTimeUtc(dll, DateTime.UtcNow.AddHours -1.0)
                 // what a test run, a pack or the C# sample's build leaves: newer files under bin/ and obj/
                 for sub in
                     [ [ "src"; "Arise.fs"; "obj" ]
                       [ "samples"; "csharp"; "obj" ]
                       [ "src"; "Arise.Cli.fs"; "bin" ] ] do
                     let d = Path.Combine(Array.ofList (dir :: sub))
                     Directory.CreateDirectory d |> ignore
                     File.WriteAllText(Path.Combine(d, "project.assets.json"), "{}")
                     File.WriteAllText(Path.Combine(d, "Generated.fs"), "module Generated")

                 let run, log =
                     withFakeDotnet dir launcher "echo 'Build succeeded.'; echo '    0 Warning(s)' >&2"

                 let code, _, err = run [ "--version" ]

                 Expect.equal code 0 "ran"
                 let calls = File.ReadAllLines log
                 Expect.isFalse (calls |> Array.exists (fun c -> c.StartsWith "build")) "no build"
                 Expect.exists calls (fun c -> c.Contains "Arise.Cli.dll --version") "the binary was run"
                 Expect.isFalse (err.Contains "building") "nothing said about building"
                 // a source edit does trigger the build, and a successful build prints nothing
                 File.WriteAllText(Path.Combine(dir, "src", "Source.fs"), "module Source // edited")

                 let code, out, err = run [ "--version" ]

                 Expect.equal code 0 "ran after building"
                 Expect.exists (File.ReadAllLines log) (fun c -> c.StartsWith "build ") "built after a source edit"
                 Expect.equal (err.Trim()) "arise: building (Release)…" "only the one line about building"
                 Expect.isFalse (out.Contains "Build succeeded" || err.Contains "Warning(s)") "the build's summary is not printed"
             } ])
