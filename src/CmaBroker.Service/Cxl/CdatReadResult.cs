using CmaBroker.Cdat.Table;

namespace CmaBroker.Service.Cxl;

/// <summary>Where a CDAT came from: read over the device's DOE mailbox, or the kernel's copy in sysfs.</summary>
public enum CdatSource
{
    Mailbox,
    Kernel,
}

/// <summary>
/// A CDAT and its provenance: <see cref="Origin"/> is the mailbox offset ("doe_0180") or the sysfs
/// attribute's path; <see cref="FromCache"/> when entry 0 was unchanged and the table was not read again.
/// </summary>
public sealed record CdatReadResult(CdatTable Table, CdatSource Source, string Origin, bool FromCache)
{
    public string SourceName => Source == CdatSource.Kernel ? "kernel" : "mailbox";
}
