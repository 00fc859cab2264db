namespace Arise.Imaging

type Image =
    { Width: int
      Height: int
      Pixels: float array
      PixelSize: float option
      Source: string }

module Image =

    let create (width: int) (height: int) (pixels: float array) : Image =
        if width < 1 || height < 1 || int64 width * int64 height <> int64 pixels.Length then
            invalidArg "pixels" (sprintf "%d values for a %d × %d image" pixels.Length width height)

        { Width = width
          Height = height
          Pixels = pixels
          PixelSize = None
          Source = "" }

    let maxPixels = 1L <<< 28

    /// The normalised Gaussian kernel of half-width ceil(3.5 sigma).
    let internal kernel (sigma: float) =
        let r = max 1 (int (ceil (3.5 * sigma)))

        let k =
            Array.init (2 * r + 1) (fun i -> exp (-0.5 * (float (i - r) / sigma) ** 2.0))

        let s = Array.sum k
        r, k |> Array.map (fun v -> v / s)

    /// Mirrors an index into 0 … n-1 (…, 2, 1, 0, 1, 2, …, n-2, n-1, n-2, …).
    let inline internal mirror (n: int) (i: int) =
        if n = 1 then
            0
        else
            let period = 2 * (n - 1)
            let m = ((i % period) + period) % period
            if m < n then m else period - m

    let blur (sigma: float) (image: Image) : Image =
        if sigma <= 0.0 then
            { image with
                Pixels = Array.copy image.Pixels }
        else
            let w, h = image.Width, image.Height
            let r, k = kernel sigma
            let src = image.Pixels
            let rows = Array.zeroCreate<float>(w * h)

            System.Threading.Tasks.Parallel.For(
                0,
                h,
                fun y ->
                    let o = y * w

                    for x in 0 .. w - 1 do
                        let mutable s = 0.0

                        for j in -r .. r do
                            s <- s + k.[j + r] * src.[o + mirror w (x + j)]

                        rows.[o + x] <- s
            )
            |> ignore

            let out = Array.zeroCreate<float>(w * h)

            System.Threading.Tasks.Parallel.For(
                0,
                h,
                fun y ->
                    for j in -r .. r do
                        let kj = k.[j + r]
                        let o = mirror h (y + j) * w

                        for x in 0 .. w - 1 do
                            out.[y * w + x] <- out.[y * w + x] + kj * rows.[o + x]
            )
            |> ignore

            { image with Pixels = out }

    let stats (image: Image) =
        let p = image.Pixels
        Array.min p, Array.average p, Array.max p
