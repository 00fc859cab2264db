/// Shared helpers: where the paper authors' data release lives, skipping when it is absent.
module Arise.Tests.Common

open System
open System.IO
open Expecto

/// The `shared/data` folder beside the repository (or $ARISE_SHARED_DATA), if present: the library's own rule.
let sharedData: string option = Arise.DataRelease.tryFolder ()

/// Runs `body` with the data folder, or skips the test with a one-line reason.
let withData (body: string -> unit) =
    match sharedData with
    | Some d -> body d
    | None -> skiptest "../shared/data (the paper authors' data release) is not present"

/// The prototype folder of the data release.
let prototypesDir (data: string) = Path.Combine(data, "prototypes")

/// Expects Ok and returns its value, failing with the error otherwise.
let ok (what: string) (r: Result<'T, 'E>) =
    match r with
    | Ok v -> v
    | Error e -> failtestf "%s: expected success, got error %A" what e

/// Expects Error and returns it.
let err (what: string) (r: Result<'T, 'E>) =
    match r with
    | Ok _ -> failtestf "%s: expected an error, got a result" what
    | Error e -> e

/// Runs `program ARGS` in `dir` with extra `environment` variables and returns its exit code, stdout and stderr;
/// fails the test when it runs longer than `timeoutSeconds`.
let runProcessWith (environment: (string * string) list) (dir: string) (program: string) (args: string list) (timeoutSeconds: int) =
    let info =
        Diagnostics.ProcessStartInfo(program, WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true)

    for a in args do
        info.ArgumentList.Add a

    for name, value in environment do
        info.Environment.[name] <- value

    use p = Diagnostics.Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()

    if not (p.WaitForExit(timeoutSeconds * 1000)) then
        p.Kill true
        failtestf "%s %s did not finish within %d s" program (String.Join(" ", args)) timeoutSeconds

    p.ExitCode, out.Result, err.Result

/// Runs `program ARGS` in `dir`; returns exit code, stdout and stderr (fails the test after `timeoutSeconds`).
let runProcess (dir: string) (program: string) (args: string list) (timeoutSeconds: int) =
    runProcessWith [] dir program args timeoutSeconds

/// The repository root: the first folder above the test binaries that holds Arise.sln.
let repositoryRoot =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then
            failwith "Arise.sln not found above the test binaries"
        elif File.Exists(Path.Combine(dir.FullName, "Arise.sln")) then
            dir.FullName
        else
            up dir.Parent

    lazy (up (DirectoryInfo AppContext.BaseDirectory))

/// A new empty folder under the temporary folder, named `prefix` and a GUID.
let freshFolder (prefix: string) =
    let dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

/// A temporary file with the given name and text, deleted by the caller.
let tempFile (name: string) (text: string) =
    let dir = freshFolder "arise-tests-"
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, text)
    path

/// One row of the data release's reference/quippy_pristine_meta.csv.
type MetaRow =
    {
        Row: int
        Label: string
        ClassFolder: string
        /// Path of the geometry file inside the data release's prototypes folder.
        PrototypePath: string
        Periodic: bool
        Replicas: int * int * int
        Atoms: int
        /// d_NN (Å) per ordered species pair.
        ScaleFactors: ((int * int) * float) list
    }

/// Reads the reference metadata CSV.
let readMeta (data: string) : MetaRow list =
    let path = Path.Combine(data, "reference", "quippy_pristine_meta.csv")
    let lines = File.ReadAllLines path
    let header = lines.[0].Split ','
    let col name = Array.IndexOf(header, name)
    let inv = Globalization.CultureInfo.InvariantCulture

    [ for line in lines.[1..] do
          if line.Trim() <> "" then
              let f = line.Split ','
              let file = f.[col "prototype_file"]
              let marker = "PROTOTYPES/"
              let rel = file.Substring(file.IndexOf marker + marker.Length)
              let reps = f.[col "replicas"].Split 'x' |> Array.map int

              yield
                  { Row = int f.[col "row"]
                    Label = f.[col "label"]
                    ClassFolder = f.[col "class_folder"]
                    PrototypePath = Path.Combine(prototypesDir data, rel)
                    Periodic = f.[col "periodic"] = "TTT"
                    Replicas = reps.[0], reps.[1], reps.[2]
                    Atoms = int f.[col "n_atoms"]
                    ScaleFactors =
                      [ for pair in f.[col "scale_factors_A"].Split(';', StringSplitOptions.RemoveEmptyEntries) do
                            let zz, d = pair.Split ':' |> fun a -> a.[0], a.[1]
                            let z = zz.Split '-'
                            yield (int z.[0], int z.[1]), Double.Parse(d, inv) ] } ]

/// tests/fixtures, found from the test binary upwards (frozen outputs of umap-learn and R dbscan, regenerated by
/// scripts/cluster-fixtures.fsx; of LAMMPS, by scripts/lammps-fixtures.fsx).
let fixtures =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then
            failwith "tests/fixtures not found above the test binary"

        let c = Path.Combine(dir.FullName, "tests", "fixtures")
        if Directory.Exists c then c else up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// A periodic structure as CIF text: cell lengths and angles, P1, fractional coordinates written in full ("R").
let cifText (s: Arise.Structure.Structure) =
    let inv = System.Globalization.CultureInfo.InvariantCulture
    let f (x: float) = x.ToString("R", inv)

    let cell =
        s.Cell |> Option.defaultValue (Arise.Structure.Cell.orthorhombic 20.0 20.0 20.0)

    let (a, b, c), (al, be, ga) = Arise.Structure.Cell.parameters cell

    System.String.Join(
        "\n",
        [ yield "data_arise"
          yield sprintf "_cell_length_a %s" (f a)
          yield sprintf "_cell_length_b %s" (f b)
          yield sprintf "_cell_length_c %s" (f c)
          yield sprintf "_cell_angle_alpha %s" (f al)
          yield sprintf "_cell_angle_beta %s" (f be)
          yield sprintf "_cell_angle_gamma %s" (f ga)
          yield "loop_"
          yield "_atom_site_label"
          yield "_atom_site_type_symbol"
          yield "_atom_site_fract_x"
          yield "_atom_site_fract_y"
          yield "_atom_site_fract_z"
          for i in 0 .. s.Positions.Length - 1 ->
              let p = Arise.Structure.Cell.toFractional cell s.Positions.[i]
              let e = Arise.Structure.Elements.symbol s.Numbers.[i]
              sprintf "%s%d %s %s %s %s" e (i + 1) e (f p.X) (f p.Y) (f p.Z) ]
    )
