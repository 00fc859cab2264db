/// The documentation site: scripts/docs.sh builds docs/ with fsdocs, running every literate page (--eval --strict).
module Arise.Tests.DocsTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open Arise.Tests.Common

/// Relative links of the site's pages whose target is missing: (page, link).
let internal brokenLinks (site: string) =
    [ for page in Directory.GetFiles(site, "*.html", SearchOption.AllDirectories) do
          let html = File.ReadAllText page

          for m in Regex.Matches(html, "href=\"([^\"#?]+)") do
              let link = m.Groups.[1].Value

              let external =
                  link.StartsWith "http"
                  || link.StartsWith "mailto:"
                  || link.StartsWith "//"
                  || link.StartsWith "javascript:"

              let target =
                  if link.StartsWith "/" then
                      link
                  else
                      Path.Combine(Path.GetDirectoryName page, link)

              if not external && not (File.Exists target || Directory.Exists target) then
                  yield Path.GetRelativePath(site, page), link ]

[<Tests>]
let tests =
    // the docs build compiles the libraries and loads them from src/…/bin: never beside another build
    testSequencedGroup "builds"
    <| testList
        "docs"
        [ test "the docs build with fsdocs, every literate page runs, and no link of the site is broken" {
              if OperatingSystem.IsWindows() then
                  skiptest "scripts/docs.sh is a bash script"

              let site =
                  Path.Combine(Path.GetTempPath(), "arise-docs-" + Guid.NewGuid().ToString("N"), "site")

              try
                  let watch = Diagnostics.Stopwatch.StartNew()

                  let code, out, err =
                      runProcess repositoryRoot.Value "bash" [ Path.Combine("scripts", "docs.sh"); site ] 900

                  Expect.equal code 0 (sprintf "docs built:\n%s%s" out err)
                  printfn "docs: built in %.0f s" watch.Elapsed.TotalSeconds

                  let page (name: string) =
                      File.ReadAllText(Path.Combine(site, name))
                  // the pages' outputs were computed while building: a table, a training run, clusters
                  Expect.stringContains (page "classify.html") "P(fcc)" "classify.fsx ran its damage table"
                  Expect.stringContains (page "train.html") "trained in" "train.fsx trained a model"
                  Expect.stringContains (page "explore.html") "clusters over" "explore.fsx clustered"
                  Expect.stringContains (page "getting-started.html") "bcc_W_A_cI2_229_a" "getting-started.fsx classified"
                  Expect.stringContains (page "images.html") "columns found" "images.fsx found the columns"

                  for verb in
                      [ "classify"
                        "spm"
                        "explore"
                        "identify"
                        "info"
                        "descriptor"
                        "train"
                        "tune"
                        "benchmark"
                        "atoms"
                        "align" ] do
                      Expect.isTrue (File.Exists(Path.Combine(site, "cli", verb + ".html"))) (sprintf "a page for %s" verb)

                  Expect.isTrue (File.Exists(Path.Combine(site, "reference", "arise-recognizer.html"))) "the API reference of the face"
                  let broken = brokenLinks site
                  Expect.isEmpty broken (sprintf "every relative link leads to a page: %A" (List.truncate 10 broken))
              finally
                  let parent = Path.GetDirectoryName site

                  if Directory.Exists parent then
                      Directory.Delete(parent, true)
          } ]
