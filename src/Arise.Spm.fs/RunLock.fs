namespace Arise.Spm

open System
open System.Diagnostics
open System.IO

/// A run folder's lock: `.arise.lock` holds the process id of the run writing into the folder, so that a second run
/// into the same folder is refused while the first is alive; a lock left by a process that is gone is taken over.
type RunLock private (path: string) =
    /// The lock file of a folder.
    static member FileIn(folder: string) = Path.Combine(folder, ".arise.lock")

    /// Takes the folder's lock, or Error with the process id that holds it.
    static member Acquire(folder: string) : Result<RunLock, int> =
        let path = RunLock.FileIn folder
        let mine = string Environment.ProcessId

        // a zombie (killed, not yet reaped: in a container whose first process reaps no orphans) is gone too
        let zombie (pid: int) =
            try
                let stat = File.ReadAllText(sprintf "/proc/%d/stat" pid)
                let close = stat.LastIndexOf ')'
                close > 0 && close + 2 < stat.Length && stat.[close + 2] = 'Z'
            with _ ->
                false

        let alive (pid: int) =
            try
                use p = Process.GetProcessById pid
                not p.HasExited && not (zombie pid)
            with _ ->
                false

        let rec attempt tries =
            try
                use f = new FileStream(path, FileMode.CreateNew, FileAccess.Write)
                let bytes = Text.Encoding.ASCII.GetBytes mine
                f.Write(bytes, 0, bytes.Length)
                Ok(new RunLock(path))
            with :? IOException when tries > 0 && File.Exists path ->
                let holder =
                    try
                        Int32.TryParse(File.ReadAllText(path).Trim())
                        |> function
                            | true, pid -> Some pid
                            | _ -> None
                    with _ ->
                        None

                match holder with
                | Some pid when pid <> Environment.ProcessId && alive pid -> Error pid
                | _ ->
                    // stale (its process is gone) or unreadable: taken over
                    (try
                        File.Delete path
                     with _ ->
                         ())

                    attempt (tries - 1)

        attempt 3

    interface IDisposable with
        member _.Dispose() =
            try
                File.Delete path
            with _ ->
                ()
