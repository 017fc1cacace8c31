namespace CmaBroker.Emulation;

/// <summary>What goes wrong in an emulated DOE mailbox (set through <see cref="EmulatedFaults.Kind"/>).</summary>
public enum DoeFaultKind
{
    None,

    /// <summary>Status.Busy reads 1 whatever happens (another entity owns the mailbox); Abort does not clear it.</summary>
    BusyStuck,

    /// <summary>Go sets Status.Error instead of producing a response (only Abort clears Error).</summary>
    ErrorOnGo,

    /// <summary>The response is produced but Data Object Ready stays 0 while the fault lasts.</summary>
    NeverReady,

    /// <summary>The response header announces one dword more than is sent (reading past the end sets Error).</summary>
    ResponseLengthTooLong,

    /// <summary>The response carries one dword more than its header announces.</summary>
    ResponseLongerThanAnnounced,

    /// <summary>The response header names another Data Object Type than the request's.</summary>
    ResponseWrongType,

    /// <summary>The function disappears when Go is written: every read returns 0xFFFFFFFF.</summary>
    RemoveOnGo,

    /// <summary>The function disappears after the first response dword is popped.</summary>
    RemoveDuringResponse,
}
