namespace CmaBroker.IdeKm.Streams;

/// <summary>Dword access to one port's IDE Extended Capability; offsets are relative to its header.</summary>
public interface IIdeRegisterAccess
{
    Task<uint> ReadAsync(int offset, CancellationToken cancellationToken);

    Task WriteAsync(int offset, uint value, CancellationToken cancellationToken);
}
