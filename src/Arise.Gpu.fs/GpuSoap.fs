namespace Arise.Gpu

module GpuSoap =
    let defaultPairs (device: Device) =
        SoapHost.Host.defaultPairs (device = Device.Cuda)

    let describeMany (device: Device) (maxPairs: int) calc options structures =
        SoapHost.Host.describeMany (device = Device.Cuda) maxPairs calc options structures
