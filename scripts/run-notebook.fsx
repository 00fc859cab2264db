// Runs the F# cells of a notebook (.ipynb or .dib) with dotnet fsi, for machines without the .NET Interactive kernel
// (CI, a terminal). Each code cell becomes a script of its own that opens the earlier cells, so that a cell may
// redefine a name as in a notebook; #r and #load lines are hoisted and resolved against the notebook's folder, which
// is also the working directory (as in VS Code's Polyglot Notebooks), and run before the first cell. Errors point at
// "NOTEBOOK[cell K]" (K counts every cell, markdown included) and the line within the cell; a compile error in any
// cell stops the run before the first cell runs; a cell's last value is not displayed; magic commands (#!time, …)
// are ignored with a note. Exits with fsi's exit code (0 when every cell ran), 2 for a file that is not a notebook.
//
//   dotnet fsi scripts/run-notebook.fsx notebooks/classify.ipynb
open System
open System.Diagnostics
open System.IO
open System.Text.Json

/// Kernel names that start a cell in a .dib file; any other "#!" line is a magic command inside the cell.
let kernels =
    set
        [ "fsharp"
          "f#"
          "csharp"
          "c#"
          "pwsh"
          "powershell"
          "markdown"
          "md"
          "javascript"
          "js"
          "html"
          "sql"
          "kql"
          "mermaid"
          "value"
          "python"
          "r"
          "http"
          "vscode"
          "webview"
          "typescript" ]

/// The F# code cells of a notebook with their position among all its cells (1-based), in order.
let fsharpCells (path: string) : (int * string[])[] =
    let text = File.ReadAllText path
    let isFsharp (kernel: string) = kernel = "fsharp" || kernel = "f#"

    if path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) then
        let root =
            try
                JsonDocument.Parse(text).RootElement
            with :? JsonException as e ->
                eprintfn "%s: not a notebook (invalid JSON: %s)" path e.Message
                exit 2

        let property (e: JsonElement) (names: string list) =
            names
            |> List.fold
                (fun (acc: JsonElement option) name ->
                    acc
                    |> Option.bind (fun x ->
                        match x.ValueKind with
                        | JsonValueKind.Object ->
                            match x.TryGetProperty name with
                            | true, v when
                                v.ValueKind = JsonValueKind.String
                                || v.ValueKind = JsonValueKind.Object
                                || v.ValueKind = JsonValueKind.Array
                                ->
                                Some v
                            | _ -> None
                        | _ -> None))
                (Some e)

        let text (v: JsonElement) =
            if v.ValueKind = JsonValueKind.String then
                Some(v.GetString().ToLowerInvariant())
            else
                None

        let notebookKernel =
            [ [ "metadata"; "polyglot_notebook"; "kernelInfo"; "defaultKernelName" ]
              [ "metadata"; "kernelspec"; "language" ] ]
            |> List.tryPick (fun names -> property root names |> Option.bind text)
            |> Option.defaultValue "fsharp"

        let cells =
            match
                root.ValueKind,
                (if root.ValueKind = JsonValueKind.Object then
                     property root [ "cells" ]
                 else
                     None)
            with
            | JsonValueKind.Object, Some c when c.ValueKind = JsonValueKind.Array -> c.EnumerateArray() |> Array.ofSeq
            | _ ->
                eprintfn "%s: not a notebook (no \"cells\" list)" path
                exit 2

        [| for k, cell in Array.indexed cells do
               if property cell [ "cell_type" ] |> Option.bind text = Some "code" then
                   let kernel =
                       [ [ "metadata"; "polyglot_notebook"; "kernelName" ]
                         [ "metadata"; "dotnet_interactive"; "language" ] ]
                       |> List.tryPick (fun names -> property cell names |> Option.bind text)
                       |> Option.defaultValue notebookKernel

                   if isFsharp kernel then
                       let code =
                           match property cell [ "source" ] with
                           | Some source when source.ValueKind = JsonValueKind.Array ->
                               String.Join("", [| for l in source.EnumerateArray() -> l.GetString() |])
                           | Some source -> source.GetString()
                           | None -> ""

                       k + 1, code.Replace("\r\n", "\n").Split('\n') |]
    else
        // .dib: a line "#!kernel" starts a cell; other "#!" lines are magic commands within it
        let cells = Collections.Generic.List<string * Collections.Generic.List<string>>()

        for line in text.Replace("\r\n", "\n").Split('\n') do
            let name =
                if line.StartsWith "#!" then
                    line.Substring(2).Trim().ToLowerInvariant()
                else
                    ""

            if kernels.Contains name then
                cells.Add((name, Collections.Generic.List()))
            elif cells.Count > 0 then
                (snd cells.[cells.Count - 1]).Add line

        [| for k, (kernel, lines) in Seq.indexed cells do
               if isFsharp kernel then
                   k + 1, lines.ToArray() |]

let isDirective (line: string) =
    line.StartsWith "#r " || line.StartsWith "#load " || line.StartsWith "#I "

/// A #r/#load/#I line with its relative paths made absolute (against `folder`); "nuget:" references stay as they are.
let absolute (folder: string) (line: string) =
    let space = line.IndexOf ' '
    let keyword, rest = line.Substring(0, space), line.Substring(space + 1)
    let quoted = rest.Split('"')

    let parts =
        quoted
        |> Array.mapi (fun i part ->
            if i % 2 = 1 && not (part.StartsWith "nuget:") && not (Path.IsPathRooted part) then
                Path.GetFullPath(Path.Combine(folder, part))
            else
                part)

    keyword + " " + String.Join("\"", parts)

let run (notebook: string) =
    let notebook = Path.GetFullPath notebook
    let folder = Path.GetDirectoryName notebook
    let cells = fsharpCells notebook

    let work =
        Path.Combine(Path.GetTempPath(), "arise-notebook-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory work |> ignore

    let where (cell: int) (line: int) =
        sprintf "# %d \"%s[cell %d]\"" line (Path.GetFileName notebook) cell

    let directives = Collections.Generic.List<string>()
    // what each earlier script brings into scope: "open CellK", then that cell's own top-level opens (which may
    // name modules the cell defines), each with a line directive back to the notebook
    let scope = Collections.Generic.List<string>()

    let scripts =
        cells
        |> Array.mapi (fun k (cell, lines) ->
            let name = sprintf "Cell%d" (k + 1)

            let body =
                [| yield! scope
                   yield where cell 1
                   for line in lines ->
                       if isDirective line || line.StartsWith "#!" then
                           ""
                       else
                           line |]

            for line in lines do
                if line.StartsWith "#!" then
                    eprintfn "note: %s[cell %d]: the magic command %s is ignored" (Path.GetFileName notebook) cell line

            scope.Add(sprintf "open %s" name)

            lines
            |> Array.iteri (fun j line ->
                if isDirective line then
                    directives.AddRange [ where cell (j + 1); absolute folder line ]
                elif line.StartsWith "open " then
                    scope.AddRange [ where cell (j + 1); line ])

            let path = Path.Combine(work, name + ".fsx")
            File.WriteAllLines(path, body)
            path)

    let main = Path.Combine(work, "main.fsx")

    File.WriteAllLines(
        main,
        [| yield! directives
           yield "#load " + String.Join(" ", scripts |> Array.map (sprintf "\"%s\"")) |]
    )

    printfn "%s: %d F# cells" notebook cells.Length
    let info = ProcessStartInfo("dotnet", WorkingDirectory = folder)

    for a in [ "fsi"; "--quiet"; "--exec"; main ] do
        info.ArgumentList.Add a

    use p = Process.Start info
    p.WaitForExit()

    try
        Directory.Delete(work, true)
    with _ ->
        ()

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
