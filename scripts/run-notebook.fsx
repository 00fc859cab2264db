// Runs the F# cells of a notebook (.ipynb or .dib) with dotnet fsi, for machines without the .NET Interactive kernel
// (CI, a terminal). Each code cell becomes a script of its own that opens the earlier cells, so that a cell may
// redefine a name as in a notebook; #r and #load lines are hoisted and resolved against the notebook's folder, which
// is also the working directory (as in VS Code's Polyglot Notebooks). Errors point at "NOTEBOOK[cell K]" and the
// line within the cell. Exits with fsi's exit code (0 when every cell ran).
//
//   dotnet fsi scripts/run-notebook.fsx notebooks/classify.ipynb
open System
open System.Diagnostics
open System.IO
open System.Text.Json

/// The F# code cells of a notebook, in order.
let fsharpCells (path: string) : string[][] =
    let text = File.ReadAllText path
    if path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) then
        let root = JsonDocument.Parse(text).RootElement
        let property (e: JsonElement) (names: string list) =
            names |> List.fold (fun (acc: JsonElement option) name ->
                acc |> Option.bind (fun x ->
                    match x.ValueKind with
                    | JsonValueKind.Object ->
                        match x.TryGetProperty name with
                        | true, v -> Some v
                        | _ -> None
                    | _ -> None)) (Some e)
        let notebookKernel =
            [ [ "metadata"; "polyglot_notebook"; "defaultKernelName" ]; [ "metadata"; "kernelspec"; "language" ] ]
            |> List.tryPick (property root)
            |> Option.map (fun v -> v.GetString().ToLowerInvariant())
            |> Option.defaultValue "fsharp"
        [| for cell in root.GetProperty("cells").EnumerateArray() do
               if cell.GetProperty("cell_type").GetString() = "code" then
                   let kernel =
                       [ [ "metadata"; "polyglot_notebook"; "kernelName" ]; [ "metadata"; "dotnet_interactive"; "language" ] ]
                       |> List.tryPick (property cell)
                       |> Option.map (fun v -> v.GetString().ToLowerInvariant())
                       |> Option.defaultValue notebookKernel
                   if kernel = "fsharp" || kernel = "f#" then
                       let source = cell.GetProperty "source"
                       let code =
                           if source.ValueKind = JsonValueKind.Array then String.Join("", [| for l in source.EnumerateArray() -> l.GetString() |])
                           else source.GetString()
                       code.Replace("\r\n", "\n").Split('\n') |]
    else
        // .dib: cells start with a line "#!kernel"
        let cells = Collections.Generic.List<string * Collections.Generic.List<string>>()
        for line in text.Replace("\r\n", "\n").Split('\n') do
            if line.StartsWith "#!" then cells.Add((line.Substring(2).Trim().ToLowerInvariant(), Collections.Generic.List()))
            elif cells.Count > 0 then (snd cells.[cells.Count - 1]).Add line
        [| for kernel, lines in cells do if kernel = "fsharp" || kernel = "f#" then lines.ToArray() |]

let isDirective (line: string) = line.StartsWith "#r " || line.StartsWith "#load " || line.StartsWith "#I "

/// A #r/#load/#I line with its relative paths made absolute (against `folder`); "nuget:" references stay as they are.
let absolute (folder: string) (line: string) =
    let space = line.IndexOf ' '
    let keyword, rest = line.Substring(0, space), line.Substring(space + 1)
    let quoted = rest.Split('"')
    let parts =
        quoted |> Array.mapi (fun i part ->
            if i % 2 = 1 && not (part.StartsWith "nuget:") && not (Path.IsPathRooted part) then Path.GetFullPath(Path.Combine(folder, part))
            else part)
    keyword + " " + String.Join("\"", parts)

let run (notebook: string) =
    let notebook = Path.GetFullPath notebook
    let folder = Path.GetDirectoryName notebook
    let cells = fsharpCells notebook
    let work = Path.Combine(Path.GetTempPath(), "arise-notebook-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory work |> ignore
    let directives = Collections.Generic.List<string>()
    let opens = Collections.Generic.List<string>()
    let scripts =
        cells |> Array.mapi (fun k lines ->
            let name = sprintf "Cell%d" (k + 1)
            let body =
                [| yield! opens
                   for j in 1 .. k do yield sprintf "open Cell%d" j
                   yield sprintf "# 1 \"%s[cell %d]\"" (Path.GetFileName notebook) (k + 1)
                   for line in lines -> if isDirective line then "" else line |]
            for line in lines do
                if isDirective line then directives.Add(absolute folder line)
                elif line.StartsWith "open " then opens.Add line
            let path = Path.Combine(work, name + ".fsx")
            File.WriteAllLines(path, body)
            path)
    let main = Path.Combine(work, "main.fsx")
    File.WriteAllLines(main, [| yield! directives; yield "#load " + String.Join(" ", scripts |> Array.map (sprintf "\"%s\"")) |])
    printfn "%s: %d F# cells" notebook cells.Length
    let info = ProcessStartInfo("dotnet", WorkingDirectory = folder)
    for a in [ "fsi"; "--quiet"; "--exec"; main ] do info.ArgumentList.Add a
    use p = Process.Start info
    p.WaitForExit()
    try Directory.Delete(work, true) with _ -> ()
    p.ExitCode

let notebooks = fsi.CommandLineArgs |> Array.skip 1
if notebooks.Length = 0 then
    eprintfn "usage: dotnet fsi scripts/run-notebook.fsx NOTEBOOK.ipynb|NOTEBOOK.dib …"
    exit 2
let missing = notebooks |> Array.filter (File.Exists >> not)
if missing.Length > 0 then
    eprintfn "not found: %s" (String.Join(", ", missing))
    exit 2
exit (notebooks |> Array.fold (fun code nb -> max code (run nb)) 0)
