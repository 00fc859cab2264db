namespace Arise

/// Where the paper authors' data release (CC-BY: prototypes, polycrystal, STEM and tomography coordinates) is found:
/// the folder named by ARISE_SHARED_DATA, or a `shared/data` folder beside the current folder or the Arise assembly
/// or above them. It is never copied into the repository.
module DataRelease =

    /// The environment variable that names the data release's folder.
    [<Literal>]
    val Variable: string = "ARISE_SHARED_DATA"

    /// The data release's folder (it holds `prototypes/`), or None.
    val tryFolder: unit -> string option

    /// Why no data release was found, naming both ways to give it.
    val notFound: unit -> string

    /// The prototype library of the data release, or why there is none (naming ARISE_SHARED_DATA).
    val prototypes: unit -> Result<string, string>
