namespace Arise.Gpu

/// The ARISE descriptor with its SOAP sums on a GPU (or ILGPU's CPU accelerator): d_NN on the CPU, neighbour lists on
/// the device for finite structures of up to 4,096 atoms and on the CPU for the others, then for every neighbour pair
/// of a batch of structures the harmonics and radial terms, and every structure's expansion sums, on the device; the
/// power spectra and the mean over species pairs on the CPU. The same descriptor as
/// AriseDescriptor.computeWith within float rounding (the sums are taken in another order).
module GpuSoap =

    /// Descriptors of many structures (SPM boxes, a training set) in batches of at most `maxPairs` neighbour pairs on
    /// the device (a pair row is 32 bytes; shapes past the fused kernel's limits also hold (n_max + 1)·(l_max + 1)²
    /// numbers a pair). Each
    /// result as AriseDescriptor.computeWith gives it (Error: the structure's d_NN cannot be found, or it is empty).
    /// Error for the whole call when the device cannot be used.
    val describeMany:
        device: Device ->
        maxPairs: int ->
        calc: Arise.Soap.SoapCalculator ->
        options: Arise.Soap.DescriptorOptions ->
        structures: Arise.Structure.Structure array ->
            Result<Result<Arise.Soap.Descriptor, string> array, string>

    /// The default batch on a device: 8 million pairs on CUDA (256 MB of pair rows), 200,000 on the CPU accelerator.
    val defaultPairs: device: Device -> int
