namespace Arise

open System
open System.Runtime.InteropServices
open Arise.Structure
open Arise.Imaging

[<AbstractClass; Sealed>]
type Images =
    static member private Fail(file: string, message: string) =
        raise (AriseException(file, Nullable(), message))

    static member Read(path: string) : Image =
        if isNull path then
            Images.Fail(null, "no file given (null path)")

        match ImageIO.read path with
        | Ok image -> image
        | Error e -> Images.Fail(path, e.Message)

    static member Atoms
        (
            image: Image,
            [<Optional; DefaultParameterValue(0.0)>] pixelSize: float,
            [<Optional; DefaultParameterValue(0.0)>] spacing: float,
            [<Optional; DefaultParameterValue(0.0)>] columnSize: float,
            [<Optional; DefaultParameterValue(null: string)>] species: string
        ) : Structure =
        let given (name: string) (v: float) =
            if v = 0.0 then
                None
            elif v > 0.0 && Double.IsFinite v then
                Some v
            else
                Images.Fail(null, sprintf "%s must be > 0 (or 0 for the default; got %g)" name v)

        let names =
            match Columns.parseSpecies species with
            | Ok names -> names
            | Error e -> Images.Fail(null, "species: " + e)

        let settings =
            { Columns.defaults with
                Spacing = given "spacing" spacing
                ColumnSize = given "columnSize" columnSize
                Classes = max 1 (min 16 names.Length) }

        let pixel = given "pixelSize" pixelSize

        match Columns.find settings ignore image with
        | Error e -> Images.Fail(image.Source, e + " (give spacing and columnSize in pixels)")
        | Ok found when found.Columns.Length = 0 ->
            Images.Fail(image.Source, "no atom columns found (give spacing and columnSize in pixels)")
        | Ok found -> Columns.toStructure names pixel found

    static member ReadAtoms
        (
            path: string,
            [<Optional; DefaultParameterValue(0.0)>] pixelSize: float,
            [<Optional; DefaultParameterValue(0.0)>] spacing: float,
            [<Optional; DefaultParameterValue(0.0)>] columnSize: float,
            [<Optional; DefaultParameterValue(null: string)>] species: string
        ) : Structure =
        Images.Atoms(Images.Read path, pixelSize, spacing, columnSize, species)

    static member Render
        (
            structure: Structure,
            [<Optional; DefaultParameterValue(0.1)>] pixelSize: float,
            [<Optional; DefaultParameterValue(0.3)>] probeSize: float,
            [<Optional; DefaultParameterValue(100.0)>] dose: float,
            [<Optional; DefaultParameterValue(0.05)>] readNoise: float,
            [<Optional; DefaultParameterValue(1)>] seed: int
        ) : Image =
        if not (pixelSize > 0.0 && probeSize > 0.0 && dose > 0.0 && readNoise >= 0.0) then
            Images.Fail(null, "pixelSize, probeSize and dose must be > 0, readNoise ≥ 0")

        try
            Synthetic.render
                { Synthetic.defaults with
                    PixelSize = pixelSize
                    ProbeSize = probeSize
                    Dose = dose
                    ReadNoise = readNoise
                    Seed = seed }
                structure
            |> fst
        with :? ArgumentException as e ->
            Images.Fail(null, e.Message.Split('(').[0].Trim())

    static member Save(image: Image, path: string) =
        try
            ImageIO.write path image
        with :? ArgumentException as e ->
            Images.Fail(path, e.Message.Split('(').[0].Trim())

    static member DopedGraphene
        (nx: int, ny: int, [<Optional; DefaultParameterValue(0)>] dopants: int, [<Optional; DefaultParameterValue(1)>] seed: int)
        : Structure =
        if nx < 1 || ny < 1 || dopants < 0 then
            Images.Fail(null, "nx and ny must be ≥ 1, dopants ≥ 0")

        try
            Synthetic.dopedGraphene seed nx ny dopants
        with :? ArgumentException as e ->
            Images.Fail(null, e.Message.Split('(').[0].Trim())
