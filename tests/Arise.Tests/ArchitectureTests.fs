/// docs/architecture.md against the project files: the table of project references is the real graph, and the graph
/// flows one way.
module Arise.Tests.ArchitectureTests

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open Arise.Tests.Common

/// AssemblyName → the assembly names it references, from src/*/*.fsproj.
let private projectGraph () =
    let projects =
        Directory.GetFiles(Path.Combine(repositoryRoot.Value, "src"), "*.fsproj", SearchOption.AllDirectories)

    let nameOf (path: string) =
        Regex.Match(File.ReadAllText path, "<AssemblyName>([^<]+)</AssemblyName>").Groups.[1].Value

    let byFile =
        projects |> Array.map (fun p -> Path.GetFullPath p, nameOf p) |> Map.ofArray

    projects
    |> Array.map (fun p ->
        let refs =
            Regex.Matches(File.ReadAllText p, "<ProjectReference Include=\"([^\"]+)\"")
            |> Seq.map (fun m -> byFile.[Path.GetFullPath(Path.Combine(Path.GetDirectoryName p, m.Groups.[1].Value.Replace('\\', '/')))])
            |> Set.ofSeq

        nameOf p, refs)
    |> Map.ofArray

[<Tests>]
let tests =
    testList
        "architecture"
        [ test "docs/architecture.md lists every library's project references as the .fsproj files have them" {
              let doc =
                  File.ReadAllLines(Path.Combine(repositoryRoot.Value, "docs", "architecture.md"))

              let rows =
                  doc
                  |> Array.filter (fun l -> l.StartsWith "| Arise")
                  |> Array.map (fun l ->
                      let cells =
                          l.Split('|', StringSplitOptions.TrimEntries ||| StringSplitOptions.RemoveEmptyEntries)

                      let refs =
                          if cells.[1] = "—" then
                              Set.empty
                          else
                              cells.[1].Split(',', StringSplitOptions.TrimEntries) |> Set.ofArray

                      cells.[0], refs)
                  |> Map.ofArray

              let graph = projectGraph ()
              Expect.equal (rows |> Map.keys |> Set.ofSeq) (graph |> Map.keys |> Set.ofSeq) "the same assemblies"

              for KeyValue(name, refs) in graph do
                  Expect.equal rows.[name] refs (sprintf "%s's references" name)
          }

          test "sources are formatted by Fantomas, no line over 140 characters" {
              let root = repositoryRoot.Value

              let code, out, err =
                  runProcess root "dotnet" [ "fantomas"; "--check"; "src"; "tests"; "bench"; "scripts" ] 300

              Expect.equal code 0 (sprintf "dotnet fantomas --check src tests bench scripts: %s%s" out err)
              let sep = string Path.DirectorySeparatorChar

              let isSource (f: string) =
                  not (f.Contains(sep + "obj" + sep) || f.Contains(sep + "bin" + sep))

              let long =
                  [ "src"; "tests"; "bench"; "scripts"; "docs"; "notebooks" ]
                  |> List.collect (fun dir ->
                      [ "*.fs"; "*.fsi"; "*.fsx" ]
                      |> List.collect (fun ext ->
                          Directory.GetFiles(Path.Combine(root, dir), ext, SearchOption.AllDirectories)
                          |> List.ofArray))
                  |> List.filter isSource
                  |> List.collect (fun f ->
                      File.ReadAllLines f
                      |> Array.indexed
                      |> Array.filter (fun (_, l) -> Text.Encoding.UTF8.GetByteCount l > 140)
                      |> Array.map (fun (i, l) -> sprintf "%s:%d (%d bytes)" f (i + 1) (Text.Encoding.UTF8.GetByteCount l))
                      |> List.ofArray)

              Expect.isEmpty long "no line over 140 characters"
          }

          test "every public module of the libraries has a signature file listed before it" {
              let missing =
                  Directory.GetFiles(Path.Combine(repositoryRoot.Value, "src"), "*.fsproj", SearchOption.AllDirectories)
                  |> Array.filter (fun p -> not (p.Contains "Arise.Cli"))
                  |> Array.collect (fun p ->
                      let dir = Path.GetDirectoryName p

                      let items =
                          Regex.Matches(File.ReadAllText p, "<Compile Include=\"([^\"]+)\"")
                          |> Seq.map (fun m -> m.Groups.[1].Value)
                          |> List.ofSeq

                      items
                      |> List.filter (fun f -> f.EndsWith ".fs")
                      |> List.filter (fun f ->
                          let text = File.ReadAllText(Path.Combine(dir, f))
                          not (Regex.IsMatch(text, "^module (internal|private) ", RegexOptions.Multiline)))
                      |> List.filter (fun f ->
                          let i = List.findIndex ((=) f) items
                          i = 0 || items.[i - 1] <> f + "i")
                      |> List.map (fun f -> Path.Combine(Path.GetFileName dir, f))
                      |> Array.ofList)

              Expect.isEmpty missing "a .fsi before each public .fs"
          }

          test "the command line is thin: no function of it over 60 lines" {
              let dir = Path.Combine(repositoryRoot.Value, "src", "Arise.Cli.fs")

              let tooLong =
                  [ for file in Directory.GetFiles(dir, "*.fs") do
                        let lines = File.ReadAllLines file

                        let starts =
                            [ for i in 0 .. lines.Length - 1 do
                                  if Regex.IsMatch(lines.[i], "^(let|and|type|module|\\[<)") then
                                      i
                              lines.Length ]

                        for a, b in List.pairwise starts do
                            if lines.[a].StartsWith "let" then
                                // the body, without the blank lines and doc comments of the next definition
                                let mutable e = b

                                while e > a && (lines.[e - 1].Trim() = "" || lines.[e - 1].Trim().StartsWith "///") do
                                    e <- e - 1

                                if e - a > 60 then
                                    sprintf "%s:%d (%d lines)" (Path.GetFileName file) (a + 1) (e - a) ]

              Expect.isEmpty tooLong "CLI functions of at most 60 lines"
          }

          test "kernels, workspaces and random streams are internal" {
              let hidden =
                  [ typeof<Arise.Model.Workspace>
                    typeof<Arise.Model.MaskRng>
                    typeof<Arise.Model.Adam> ]

              for t in hidden do
                  Expect.isFalse t.IsPublic (sprintf "%s is internal" t.Name)

              let methodIsPublic (t: Type) name =
                  t.GetMethods() |> Array.exists (fun m -> m.Name = name && m.IsPublic)

              let moduleOf (anchor: Type) (name: string) =
                  [ name + "Module"; name ]
                  |> List.pick (fun n -> Option.ofObj (anchor.Assembly.GetType n))

              let network = moduleOf typeof<Arise.Model.Network> "Arise.Model.Network"
              let soap = moduleOf typeof<Arise.Soap.SoapCalculator> "Arise.Soap.Soap"

              let gemm =
                  typeof<Arise.Numerics.Npy.NpyArray>.Assembly.GetType "Arise.Numerics.Gemm"

              for t, name in
                  [ network, "forward"
                    network, "gradients"
                    soap, "accumulate"
                    gemm, "reference" ] do
                  Expect.isFalse (methodIsPublic t name) (sprintf "%s.%s is internal" t.Name name)

              Expect.isTrue (methodIsPublic gemm "multiply") "the GEMM itself stays public"
          }

          test "data flows one way: no library references one above it" {
              let order =
                  [ "Arise.Numerics"
                    "Arise.Structure"
                    "Arise.Imaging"
                    "Arise.Soap"
                    "Arise.Classic"
                    "Arise.Model"
                    "Arise.Gpu"
                    "Arise.Spm"
                    "Arise.Pictures"
                    "Arise.Cluster"
                    "Arise"
                    "Arise.Cli" ]

              let rank name = List.findIndex ((=) name) order

              for KeyValue(name, refs) in projectGraph () do
                  for r in refs do
                      Expect.isLessThan (rank r) (rank name) (sprintf "%s → %s goes down the stack" name r)

              Expect.isFalse ((projectGraph ()).["Arise.Cluster"].Contains "Arise.Model") "Cluster takes the GEMM from Numerics, not Model"

              Expect.isFalse ((projectGraph ()).["Arise.Spm"].Contains "Arise.Pictures") "Spm starts no browser"
          } ]
