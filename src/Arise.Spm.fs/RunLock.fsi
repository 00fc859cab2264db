namespace Arise.Spm

/// A run folder's lock: `.arise.lock` holds the process id of the run writing into the folder, so that a second run
/// into the same folder is refused while the first is alive; a lock left by a process that is gone is taken over.
type RunLock =
    interface System.IDisposable

    private new: path: string -> RunLock

    /// Takes the folder's lock, or Error with the process id that holds it.
    static member Acquire: folder: string -> Result<RunLock, int>

    /// The lock file of a folder.
    static member FileIn: folder: string -> string
