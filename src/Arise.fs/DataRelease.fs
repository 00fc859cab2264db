namespace Arise

open System
open System.IO

/// Where the paper authors' data release (CC-BY: prototypes, polycrystal, STEM and tomography coordinates) is found:
/// the folder named by ARISE_SHARED_DATA, or a `shared/data` folder beside the current folder or the Arise assembly
/// or above them. It is never copied into the repository.
module DataRelease =
    /// The environment variable that names the data release's folder.
    [<Literal>]
    let Variable = "ARISE_SHARED_DATA"

    /// The data release's folder (it holds `prototypes/`), or None.
    let tryFolder () : string option =
        let fromEnv = Environment.GetEnvironmentVariable Variable

        if not (String.IsNullOrEmpty fromEnv) && Directory.Exists fromEnv then
            Some(Path.GetFullPath fromEnv)
        else
            let rec up (dir: DirectoryInfo) =
                if isNull dir then
                    None
                else
                    let candidate = Path.Combine(dir.FullName, "shared", "data")

                    if Directory.Exists(Path.Combine(candidate, "prototypes")) then
                        Some candidate
                    else
                        up dir.Parent

            up (DirectoryInfo(Directory.GetCurrentDirectory()))
            |> Option.orElse (up (DirectoryInfo(AppContext.BaseDirectory)))

    /// Why no data release was found, naming both ways to give it.
    let notFound () =
        sprintf
            "the data release was not found: set %s to its folder, or give the prototype folder (searched for \
             shared/data/prototypes above %s and above %s)"
            Variable
            (Directory.GetCurrentDirectory())
            AppContext.BaseDirectory

    /// The prototype library of the data release, or why there is none (naming ARISE_SHARED_DATA).
    let prototypes () : Result<string, string> =
        let fromEnv = Environment.GetEnvironmentVariable Variable

        if not (String.IsNullOrEmpty fromEnv) then
            let dir = Path.Combine(fromEnv, "prototypes")

            if Directory.Exists dir then
                Ok(Path.GetFullPath dir)
            else
                Error(
                    sprintf "%s=%s holds no prototypes/ folder: point it at the data release, or give the prototype folder" Variable fromEnv
                )
        else
            match tryFolder () with
            | Some d -> Ok(Path.Combine(d, "prototypes"))
            | None -> Error(notFound ())
