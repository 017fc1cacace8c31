using CmaBroker.Doe.Errors;
using CmaBroker.Emulation.Certificates;
using CmaBroker.Tool.Cli;
using CmaBroker.Tool.Output;

namespace CmaBroker.Tool.Commands;

/// <summary>
/// <c>cmatool emulator-ca DIR</c>: writes the root CA that the emulator's trusted profiles (good,
/// mismatch, slow) chain to, as PEM, so a demo or test can pass DIR to <c>--trust</c> or use it as the
/// daemon's trust.d. The certificate is derived from a fixed seed: the same file on every run.
/// </summary>
public static class EmulatorCaCommand
{
    public static Task<int> RunAsync(ToolContext context, CancellationToken cancellationToken)
    {
        string directory = context.CommandLine.Positionals[0];
        cancellationToken.ThrowIfCancellationRequested();
        string path;
        try
        {
            path = EmulatedCertificates.WriteTrustAnchor(EmulatedCertificateAuthority.Good, directory);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CmaException(CmaErrorKind.PermissionDenied, $"emulator-ca: cannot write into {directory}: {e.Message}", e);
        }
        context.Output.Write(new EmulatorCaDocument(Path.GetFullPath(path)), ToolJsonContext.Styled.EmulatorCaDocument,
            text => text.WriteLine(Path.GetFullPath(path)));
        return Task.FromResult(ExitCodes.Success);
    }
}
