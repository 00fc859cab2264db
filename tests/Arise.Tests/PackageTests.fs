/// The packages as users get them: scripts/pack.sh packs the library and the tool into a local feed; the tool installs
/// from it and runs from another folder; a script references the library with #r "nuget: Arise".
module Arise.Tests.PackageTests

open System
open System.IO
open Expecto
open Arise.Tests.Common

[<Tests>]
let tests =
    testSequencedGroup "builds"
    <| testList
        "packages"
        [ test "the tool installs from the local feed and classifies; a script with #r \"nuget: Arise\" classifies" {
              if OperatingSystem.IsWindows() then
                  skiptest "scripts/pack.sh is a bash script"

              let root = repositoryRoot.Value

              let work =
                  Path.Combine(Path.GetTempPath(), "arise-packages-" + Guid.NewGuid().ToString("N"))

              let feed = Path.Combine(work, "feed")
              Directory.CreateDirectory work |> ignore
              // a version of its own, so that no package cached by an earlier run is used
              let version = sprintf "0.1.0-test.%d" (DateTimeOffset.UtcNow.ToUnixTimeSeconds())

              let code, out, err =
                  runProcess root "bash" [ Path.Combine(root, "scripts", "pack.sh"); feed; version ] 900

              Expect.equal code 0 (sprintf "packed: %s%s" out err)

              for id in [ "Arise"; "Arise.Cli" ] do
                  Expect.isTrue (File.Exists(Path.Combine(feed, sprintf "%s.%s.nupkg" id version))) (id + " package")

              let tools = Path.Combine(work, "tools")

              let code, out, err =
                  runProcess
                      work
                      "dotnet"
                      [ "tool"
                        "install"
                        "Arise.Cli"
                        "--add-source"
                        feed
                        "--tool-path"
                        tools
                        "--version"
                        version ]
                      300

              Expect.equal code 0 (sprintf "installed: %s%s" out err)
              let elsewhere = Path.Combine(work, "elsewhere")
              Directory.CreateDirectory elsewhere |> ignore

              let code, out, err =
                  runProcess elsewhere (Path.Combine(tools, "arise")) [ "classify"; "--json"; "--samples"; "100" ] 300

              Expect.equal code 0 (sprintf "the installed arise ran: %s" err)
              Expect.stringContains out "\"class\":\"fcc_Cu_A_cF4_225_a\"" "the embedded sample is fcc"
              let script = Path.Combine(elsewhere, "classify.fsx")

              File.WriteAllText(
                  script,
                  String.concat
                      "\n"
                      [ sprintf "#i \"nuget: %s\"" feed
                        sprintf "#r \"nuget: Arise, %s\"" version
                        "open Arise"
                        "let cluster = Structures.Supercell(Structures.Bcc(\"Fe\", 2.87), 4, finite = true)"
                        "let r = Recognizer.Default.Classify(cluster, samples = 50)"
                        "printfn \"best %s %s\" r.Best.Class r.Uncertainty" ]
              )

              let code, out, err = runProcess elsewhere "dotnet" [ "fsi"; script ] 600
              Expect.equal code 0 (sprintf "the script ran: %s%s" out err)
              Expect.stringContains out "best bcc_W_A_cI2_229_a" "classified through the package"
          } ]
