using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;
using CmaBroker.Spdm.Requester;

namespace CmaBroker.Spdm.Sessions;

/// <summary>
/// A secure session could not be established or was torn down: a record failed authentication, a
/// verify data or signature did not match, or the peer broke the session protocol. The session is
/// unusable afterwards; nothing that failed authentication ever reaches a caller.
/// </summary>
public sealed class SessionFailedException : SpdmProtocolException
{
    public SessionFailedException(string message, SessionFailure failure, SpdmErrorCode? errorCode = null)
        : base(CmaErrorKind.ProtocolError, message, errorCode) => Failure = failure;

    /// <summary>What went wrong, for callers that map failures to exit codes.</summary>
    public SessionFailure Failure { get; }
}

/// <summary>Why a session failed.</summary>
public enum SessionFailure
{
    /// <summary>KEY_EXCHANGE_RSP signature does not verify over TH.</summary>
    BadSignature,
    /// <summary>ResponderVerifyData (KEY_EXCHANGE_RSP or FINISH_RSP) does not match.</summary>
    BadVerifyData,
    /// <summary>A secured record failed AEAD authentication or named another session.</summary>
    RecordAuthentication,
    /// <summary>The peer answered out of protocol (ERROR, wrong code, malformed message).</summary>
    Protocol,
    /// <summary>The responder dropped the session (e.g. heartbeat period expired, InvalidSession).</summary>
    Dropped,
}
