// The first cell of every notebook here loads this file:
//
//     #I "."            // the notebook opened from notebooks/ (VS Code, Jupyter)
//     #I "notebooks"    // or run from the repository root (dotnet repl --run notebooks/X.ipynb)
//     #load "Notebook.fsx"
//
// It references the built libraries (build them once with ./arise --version), shows Plotly.NET charts inline in
// the Polyglot Notebooks (.NET Interactive) kernel, and gives paths that do not depend on the kernel's working folder.
#load "../scripts/References.fsx"

open System
open System.IO
open Microsoft.DotNet.Interactive.Formatting

// A chart as the last value of a cell is drawn in the notebook (plotly.js from its CDN), as Plotly.NET.Interactive
// does; that package is built for another kernel version, so the formatter is registered here.
Formatter.Register<Plotly.NET.GenericChart>(
    (fun (chart: Plotly.NET.GenericChart) (writer: TextWriter) ->
        writer.Write(Plotly.NET.GenericChart.toChartHTML chart)),
    HtmlFormatter.MimeType
)

// Paths for the notebooks, whatever the kernel's working folder (Notebook.repository, Notebook.sharedData, Notebook.output).
/// The repository's root folder.
let repository = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))

/// The paper authors' data release: ARISE_SHARED_DATA, else ../shared/data beside the repository; None when absent.
let sharedData =
    [ Environment.GetEnvironmentVariable "ARISE_SHARED_DATA"
      Path.Combine(repository, "..", "shared", "data") ]
    |> List.filter (fun p -> not (String.IsNullOrEmpty p) && Directory.Exists p)
    |> List.tryHead
    |> Option.map Path.GetFullPath

/// A folder for what a notebook writes (out/notebooks/NAME under the repository, ignored by git), created.
let output (name: string) =
    let folder = Path.Combine(repository, "out", "notebooks", name)
    Directory.CreateDirectory folder |> ignore
    folder
