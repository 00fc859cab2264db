namespace Arise.Imaging

/// A greyscale image: `Pixels.[y * Width + x]` is the value at column x, row y (row 0 at the top, as a microscope
/// or numpy shows it). Pixel centres sit at integer coordinates: pixel (x, y) spans x - 0.5 … x + 0.5.
type Image =
    {
        Width: int
        Height: int

        /// Row-major values (counts, or whatever the detector stored), Width × Height of them.
        Pixels: float array

        /// Å per pixel, when the file says (calibrated .dm3/.dm4/.emd), else None.
        PixelSize: float option

        /// Where the image came from (a file name, or how it was made).
        Source: string
    }

/// Pure functions over images.
module Image =

    /// An image of width × height pixels from row-major values; ArgumentException when the sizes do not agree.
    val create: width: int -> height: int -> pixels: float array -> Image

    /// The largest image read or made (pixels): 2^28, a 16384 × 16384 frame.
    val maxPixels: int64

    /// Gaussian blur of standard deviation sigma (px), separable, edges mirrored; sigma ≤ 0 returns a copy.
    val blur: sigma: float -> image: Image -> Image

    /// Minimum, mean and maximum of the pixel values.
    val stats: image: Image -> float * float * float
