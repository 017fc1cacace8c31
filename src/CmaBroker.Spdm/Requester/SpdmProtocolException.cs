using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>
/// The responder broke the protocol (kind ProtocolError) or lacks something authentication needs
/// (kind Unsupported). <see cref="ErrorCode"/> is set when the device answered with SPDM ERROR.
/// </summary>
public class SpdmProtocolException : CmaException
{
    public SpdmProtocolException(CmaErrorKind kind, string message, SpdmErrorCode? errorCode = null) : base(kind, message) =>
        ErrorCode = errorCode;

    public SpdmErrorCode? ErrorCode { get; }

    public static SpdmProtocolException Protocol(string message) => new(CmaErrorKind.ProtocolError, message);

    public static SpdmProtocolException Unsupported(string message) => new(CmaErrorKind.Unsupported, message);
}
