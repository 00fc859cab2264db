/// The notebooks under notebooks/ run cell by cell (scripts/run-notebook.fsx, dotnet fsi) on the built libraries.
module Arise.Tests.NotebookTests

open System
open System.IO
open Expecto
open Arise.Tests.Common

/// Runs the notebook runner on `notebook`; exit code and everything it printed.
let private runNotebook (notebook: string) =
    let code, out, err =
        runProcess repositoryRoot.Value "dotnet" [ "fsi"; Path.Combine("scripts", "run-notebook.fsx"); notebook ] 600

    code, out + err

[<Tests>]
let tests =
    // notebooks load the built libraries from src/…/bin: never while a test builds or packs them
    testSequencedGroup "builds"
    <| testList
        "notebooks"
        [ test "every notebook runs to its end" {
              let notebooks =
                  Directory.GetFiles(Path.Combine(repositoryRoot.Value, "notebooks"), "*.ipynb")

              Expect.isNonEmpty notebooks "notebooks/ holds notebooks"

              for nb in notebooks do
                  let code, output = runNotebook nb
                  Expect.equal code 0 (sprintf "%s ran (output:\n%s)" nb output)
          }

          test "the runner lets a cell redefine a name or open a module of an earlier cell, and reports a failing cell by its number" {
              let dir =
                  Path.Combine(Path.GetTempPath(), "arise-nb-" + Guid.NewGuid().ToString("N"))

              Directory.CreateDirectory dir |> ignore
              let good = Path.Combine(dir, "good.dib")
              // a module opened in the cell that defines it, a magic command inside a cell, a redefined name
              File.WriteAllText(
                  good,
                  "#!markdown\n# title\n#!fsharp\nmodule Tools =\n    let twice n = 2 * n\nopen Tools\nlet x = 1\n#!fsharp\n#!time\nlet \
                        x = \"two\"\nif x <> \"two\" || twice 2 <> 4 then failwith \"not redefined\"\n#!fsharp\nif x.Length <> 3 then \
                        exit 3\n"
              )

              let code, output = runNotebook good
              Expect.equal code 0 (sprintf "redefinition runs (output:\n%s)" output)
              let bad = Path.Combine(dir, "bad.dib")
              File.WriteAllText(bad, "#!fsharp\nlet y = 2\n#!fsharp\n\nlet z : int = \"not an int\"\n")
              let code, output = runNotebook bad
              Expect.notEqual code 0 "a failing cell fails the run"
              Expect.stringContains output "bad.dib[cell 2](2," "the error points at cell 2, line 2"
              let notJson = Path.Combine(dir, "broken.ipynb")
              File.WriteAllText(notJson, "this is not json {")
              let code, output = runNotebook notJson
              Expect.equal code 2 "not a notebook"
              Expect.stringContains output "broken.ipynb: not a notebook (invalid JSON" "said in one line"
              Expect.isFalse (output.Contains "   at ") "no stack trace"
          } ]
