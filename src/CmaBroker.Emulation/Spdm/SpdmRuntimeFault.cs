namespace CmaBroker.Emulation.Spdm;

/// <summary>
/// A fault switched on and off while the responder runs (<see cref="SpdmResponder.RuntimeFault"/>), unlike the
/// construction-time <see cref="SpdmResponderFaults"/>. Each one lasts until it is set back to <see cref="None"/>.
/// </summary>
public enum SpdmRuntimeFault
{
    None,

    /// <summary>Every CMA request is answered ERROR Busy (the requester retries a few times, then gives up).</summary>
    Busy,

    /// <summary>
    /// Every CMA request after GET_VERSION is processed but answered ERROR ResponseNotReady, and so is every
    /// RESPOND_IF_READY for it while the fault lasts: the requester gives up after its retry rounds. Once the fault
    /// is off, RESPOND_IF_READY delivers the held response.
    /// </summary>
    ResponseNotReady,

    /// <summary>Every CMA response is cut to half its length.</summary>
    Malformed,

    /// <summary>The MAC of every secured response (DOE type 2) has a bit flipped.</summary>
    SessionMac,
}
