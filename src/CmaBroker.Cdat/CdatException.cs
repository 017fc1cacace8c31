using CmaBroker.Doe.Errors;

namespace CmaBroker.Cdat;

/// <summary>
/// A CDAT table or Table Access response the device got wrong: always
/// <see cref="CmaErrorKind.ProtocolError"/> (the peer's fault), with the precise <see cref="Error"/>.
/// </summary>
public sealed class CdatException : CmaException
{
    public CdatException(CdatError error, string message) : base(CmaErrorKind.ProtocolError, message) => Error = error;

    public CdatError Error { get; }
}
