using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// The responder broke the protocol (kind ProtocolError) or lacks something authentication needs
/// (kind Unsupported). <see cref="ErrorCode"/> is set when the device answered with SPDM ERROR.
/// </summary>
public class SpdmProtocolException : CmaException
{
    public SpdmProtocolException(CmaErrorKind kind, string message, SpdmErrorCode? errorCode = null) : base(kind, message)
    {
        ErrorCode = errorCode;
        AuthFailure = kind == CmaErrorKind.Unsupported ? Authentication.AuthFailureKind.Unsupported : Authentication.AuthFailureKind.Protocol;
    }

    public SpdmErrorCode? ErrorCode { get; }

    /// <summary>What kind of authentication failure this is (AuthErrorKind): protocol or unsupported unless raised as something more precise.</summary>
    public Authentication.AuthFailureKind AuthFailure { get; private init; }

    /// <summary>A response that does not belong to this request (SPDM 1.3 RequesterContext not echoed): AuthErrorKind nonce.</summary>
    public static SpdmProtocolException NotFresh(string message) => new(CmaErrorKind.ProtocolError, message) { AuthFailure = Authentication.AuthFailureKind.Nonce };

    public static SpdmProtocolException Protocol(string message) => new(CmaErrorKind.ProtocolError, message);

    public static SpdmProtocolException Unsupported(string message) => new(CmaErrorKind.Unsupported, message);
}
