module Arise.Tests.Main

open Expecto
open Expecto.Impl

/// Runs every test and ends with the plain line `N passed, N failed, N skipped` that CI reads.
[<EntryPoint>]
let main argv =
    let mutable summary: TestRunSummary option = None

    let printer =
        { defaultConfig.printer with
            summary =
                fun config s ->
                    summary <- Some s
                    defaultConfig.printer.summary config s }

    let code = runTestsInAssemblyWithCLIArgs [ CLIArguments.Printer printer ] argv

    match summary with
    | Some s ->
        let failed = s.failed.Length + s.errored.Length
        System.Console.Out.Flush()
        printfn "%d passed, %d failed, %d skipped" s.passed.Length failed s.ignored.Length
    | None -> printfn "0 passed, 1 failed, 0 skipped"

    code
