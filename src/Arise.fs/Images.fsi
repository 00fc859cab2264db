namespace Arise

open System.Runtime.InteropServices

/// STEM images in, atoms out: reading images, finding their atom columns, and synthetic images to test on. Lengths of
/// the image in pixels, of atoms in Å (when the pixel size is known) or pixels.
[<AbstractClass; Sealed>]
type Images =

    /// Reads an image: .tif/.tiff, .png/.jpg/.bmp, .npy, .dm3/.dm4 (the largest image), .emd (Berkeley or Velox); a
    /// stack gives its first frame. Raises AriseException naming the file on bad input.
    static member Read: path: string -> Imaging.Image

    /// The atom columns of an image as a flat structure (z = 0). `pixelSize` (Å/px; 0: the image's calibration, else
    /// positions in px), `spacing` and `columnSize` (px; 0: estimated from the image), `species` ("C,Si": intensity
    /// classes from dim to bright; default one species, C). Per-atom "intensity" and "class". Raises AriseException
    /// when no columns are found or a setting is out of range.
    static member Atoms:
        image: Imaging.Image *
        [<Optional; DefaultParameterValue(0.0)>] pixelSize: float *
        [<Optional; DefaultParameterValue(0.0)>] spacing: float *
        [<Optional; DefaultParameterValue(0.0)>] columnSize: float *
        [<Optional; DefaultParameterValue(null: string)>] species: string ->
            Structure.Structure

    /// Reads an image file and finds its atom columns (Read, then Atoms).
    static member ReadAtoms:
        path: string *
        [<Optional; DefaultParameterValue(0.0)>] pixelSize: float *
        [<Optional; DefaultParameterValue(0.0)>] spacing: float *
        [<Optional; DefaultParameterValue(0.0)>] columnSize: float *
        [<Optional; DefaultParameterValue(null: string)>] species: string ->
            Structure.Structure

    /// A synthetic HAADF image of a structure's projection along z: `pixelSize` Å/px (default 0.1), probe σ
    /// `probeSize` Å (0.3), `dose` counts at a carbon column (100; infinity: no shot noise), Gaussian `readNoise`
    /// relative to a carbon column (0.05), 0.3 px row jitter and 1 px drift, seeded.
    static member Render:
        structure: Structure.Structure *
        [<Optional; DefaultParameterValue(0.1)>] pixelSize: float *
        [<Optional; DefaultParameterValue(0.3)>] probeSize: float *
        [<Optional; DefaultParameterValue(100.0)>] dose: float *
        [<Optional; DefaultParameterValue(0.05)>] readNoise: float *
        [<Optional; DefaultParameterValue(1)>] seed: int ->
            Imaging.Image

    /// Writes an image as .npy, .tif, .png (16-bit, scaled) or .emd, by the file name.
    static member Save: image: Imaging.Image * path: string -> unit

    /// Graphene (d_NN 1.42 Å) of nx × ny rectangular cells with `dopants` Si atoms far apart: a finite flake to render.
    static member DopedGraphene:
        nx: int * ny: int * [<Optional; DefaultParameterValue(0)>] dopants: int * [<Optional; DefaultParameterValue(1)>] seed: int ->
            Structure.Structure
