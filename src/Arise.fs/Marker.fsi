namespace Arise

/// A type of this assembly, used to find its embedded resources.
type internal AriseMarker = class end
