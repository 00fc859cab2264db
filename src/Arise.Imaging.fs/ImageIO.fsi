/// Reading and writing images: the format from the file name (.npy, .tif/.tiff, .png/.jpg/.jpeg/.bmp, .dm3/.dm4,
/// .emd). Errors name the file and say what is wrong; no reader throws on a damaged or foreign file.
module Arise.Imaging.ImageIO

/// The file-name endings read as images.
val extensions: string list

/// Whether the file name ends in an image extension (case-insensitive).
val isImagePath: path: string -> bool

/// The largest image file read (bytes): 4 GB.
val maxFileBytes: int64

/// Reads an image. A stack or a series gives its first frame; colour images become grey (the mean of the channels);
/// PNG keeps 16 bits (JPEG and BMP are 8-bit);
/// .dm3/.dm4 give their largest image. PixelSize comes from .dm3/.dm4/.emd calibrations (nm, Å, pm, µm).
val read: path: string -> Result<Image, Arise.Structure.ReadError>

/// Writes an image by its file name: .npy (float64), .tif/.tiff (32-bit float), .png (16-bit grey, the values
/// scaled from their minimum to their maximum) or .emd (Berkeley EMD, float32, with the pixel size in Å when known).
/// Written to a temporary file, then renamed. ArgumentException for another extension.
val write: path: string -> image: Image -> unit
