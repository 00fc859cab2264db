/// Writing files so that a reader never sees half of one: the content goes to PATH.partial, which is then renamed
/// over PATH. Killed midway, or failing, a write leaves the previous PATH as it was (and no .partial after a failure).
module Arise.Numerics.AtomicFile

open System.IO

/// Writes PATH through `write tmp` (which writes the whole content to the temporary path it is given).
let write (path: string) (write: string -> unit) =
    let tmp = path + ".partial"

    try
        write tmp
        File.Move(tmp, path, true)
    with _ ->
        (try
            File.Delete tmp
         with _ ->
             ())

        reraise ()

/// Writes text to PATH atomically (see write).
let writeText (path: string) (text: string) =
    write path (fun tmp -> File.WriteAllText(tmp, text))
