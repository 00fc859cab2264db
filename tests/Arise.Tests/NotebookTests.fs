/// The notebooks under notebooks/ run headless in the real Polyglot Notebooks kernel (.NET Interactive, through
/// dotnet-repl from the tool manifest) on the built libraries; a cell that raises fails the test.
module Arise.Tests.NotebookTests

open System
open System.IO
open System.Text.Json
open Expecto
open Arise.Tests.Common

/// The error outputs of an executed notebook: (cell number, 1-based; message).
let internal notebookErrors (executed: string) =
    use doc = JsonDocument.Parse(File.ReadAllText executed)

    [ for i, cell in Seq.indexed (doc.RootElement.GetProperty("cells").EnumerateArray()) do
          match cell.TryGetProperty "outputs" with
          | true, outputs ->
              for o in outputs.EnumerateArray() do
                  if o.GetProperty("output_type").GetString() = "error" then
                      yield i + 1, o.GetProperty("evalue").GetString()
          | _ -> () ]

/// Runs `notebook` in the kernel with `dir` (inside the repository, for its tool manifest) as the working folder; exit
/// code, output and the executed notebook's path.
let internal runInKernel (dir: string) (notebook: string) =
    let executed =
        Path.Combine(Path.GetTempPath(), "arise-nb-" + Guid.NewGuid().ToString("N") + ".ipynb")

    let code, out, err =
        runProcess
            dir
            "dotnet"
            [ "tool"
              "run"
              "dotnet-repl"
              "--"
              "--run"
              notebook
              "--exit-after-run"
              "--output-path"
              executed ]
            600

    code, out + err, executed

[<Tests>]
let tests =
    // notebooks load the built libraries from src/…/bin: never while a test builds or packs them
    testSequencedGroup "builds"
    <| testList
        "notebooks"
        [ test "every notebook runs to its end in the Polyglot kernel, from the repository root and from notebooks/" {
              let root = repositoryRoot.Value

              let notebooks =
                  Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb") |> Array.sort

              Expect.isGreaterThanOrEqual notebooks.Length 4 "notebooks/ holds the notebooks"

              for i, nb in Array.indexed notebooks do
                  // the kernel's working folder does not matter: every other notebook runs from notebooks/
                  let dir = if i % 2 = 0 then root else Path.Combine(root, "notebooks")
                  let watch = Diagnostics.Stopwatch.StartNew()
                  let code, output, executed = runInKernel dir nb

                  try
                      Expect.isTrue (File.Exists executed) (sprintf "%s: the kernel wrote the executed notebook (%s)" nb output)
                      let errors = notebookErrors executed
                      Expect.isEmpty errors (sprintf "%s: no cell raised" (Path.GetFileName nb))
                      Expect.equal code 0 (sprintf "%s ran (output:\n%s)" nb output)
                      printfn "notebook %s: %.1f s in the kernel" (Path.GetFileName nb) watch.Elapsed.TotalSeconds
                  finally
                      File.Delete executed
          }

          test "a cell that raises fails the run, and its error is in the executed notebook" {
              let dir =
                  Path.Combine(Path.GetTempPath(), "arise-nb-" + Guid.NewGuid().ToString("N"))

              Directory.CreateDirectory dir |> ignore

              try
                  let source = Path.Combine(repositoryRoot.Value, "notebooks", "classify.ipynb")
                  use doc = JsonDocument.Parse(File.ReadAllText source)

                  let cell (text: string) =
                      let metadata = """{"polyglot_notebook":{"kernelName":"fsharp"}}"""

                      sprintf
                          """{"cell_type":"code","execution_count":null,"metadata":%s,"outputs":[],"source":[%s]}"""
                          metadata
                          (JsonSerializer.Serialize text)

                  let nb =
                      sprintf
                          """{"cells":[%s,%s,%s],"metadata":%s,"nbformat":4,"nbformat_minor":5}"""
                          (cell "let x = 1")
                          (cell "let y: int = failwith \"the second cell fails\"")
                          (cell "printfn \"never\"")
                          (doc.RootElement.GetProperty("metadata").GetRawText())

                  let bad = Path.Combine(dir, "bad.ipynb")
                  File.WriteAllText(bad, nb)
                  // from the repository, whose tool manifest names the kernel
                  let code, output, executed = runInKernel repositoryRoot.Value bad
                  Expect.notEqual code 0 (sprintf "a raising cell fails the run (%s)" output)
                  let errors = notebookErrors executed
                  Expect.equal (errors |> List.map fst) [ 2 ] "the error is reported at cell 2 only (cell 3 runs without one)"
                  Expect.stringContains (snd errors.Head) "the second cell fails" "with its message"
              finally
                  Directory.Delete(dir, true)
          } ]
