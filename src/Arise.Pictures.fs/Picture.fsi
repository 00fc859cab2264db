/// Pictures: Plotly charts saved as self-contained HTML (plotly.js embedded, no network), and PNG copies rendered by
/// a locally installed Chromium in headless mode (never downloaded).
module Arise.Pictures.Picture

/// Saves a chart as HTML with plotly.js embedded (opens offline).
val saveHtml: path: string -> chart: Plotly.NET.GenericChart -> unit

/// The Chromium used for PNG export: $ARISE_CHROMIUM if set, else the first of chromium, chromium-browser,
/// google-chrome, google-chrome-stable found on PATH. None when there is none.
val findChromium: unit -> string option

/// Size of rendered PNGs in pixels (width, height): Plotly.NET's default 600 × 600 layout plus the colour bar.
val pngSize: int * int

/// Renders one HTML chart to PNG with headless Chromium (`browser`), `width` × `height` pixels, the Plotly toolbar
/// hidden. Waits up to `timeoutSeconds`. Error: a one-line reason.
val renderPng:
    browser: string -> width: int * height: int -> timeoutSeconds: float -> htmlPath: string -> pngPath: string -> Result<unit, string>

/// Outcome of a PNG export: the PNGs written, and one line per picture that could not be rendered (or one line saying
/// why none was attempted).
type PngExport =
    { Written: string list
      Problems: string list }

/// Renders a PNG beside each HTML chart (same name, .png) when a Chromium is installed: one headless browser for all
/// of them, driven over the DevTools protocol (PuppeteerSharp with the local browser; nothing is downloaded), two
/// pages at a time; a browser that cannot be driven that way renders one picture a process.
val writePngs: htmlFiles: string list -> PngExport

/// writePngs with one browser for all pictures (`oneBrowser`) or one browser process a picture (for comparisons).
val internal writePngsWithBrowsers: oneBrowser: bool -> progress: (int -> int -> unit) -> htmlFiles: string list -> PngExport

/// writePngs, with `progress done total` (pictures) after each picture, from any thread.
val writePngsWith: progress: (int -> int -> unit) -> htmlFiles: string list -> PngExport

/// Width and height of a PNG file read from its header; None when the file is not a PNG.
val pngDimensions: path: string -> (int * int) option
