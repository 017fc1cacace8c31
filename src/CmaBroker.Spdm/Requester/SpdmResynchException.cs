using CmaBroker.Doe.Errors;
using CmaBroker.Spdm.Messages;

namespace CmaBroker.Spdm.Requester;

/// <summary>The responder answered RequestResynch: the requester must restart at GET_VERSION (§4.12).</summary>
public sealed class SpdmResynchException : SpdmProtocolException
{
    public SpdmResynchException(SpdmCode request)
        : base(CmaErrorKind.ProtocolError, $"responder asked to resynchronize (ERROR RequestResynch) in answer to {SpdmCodes.Name(request)}", SpdmErrorCode.RequestResynch)
    {
    }
}
