using System.Text.Json.Serialization.Metadata;
using CmaBroker.Doe.Errors;

namespace CmaBroker.Tool.Output;

/// <summary>Writes a command's result as text or as one JSON document, and errors as both.</summary>
public sealed class ToolOutput(ToolConsole console, bool json)
{
    public bool Json { get; } = json;

    public TextWriter Out => console.Out;

    /// <summary>Prints <paramref name="result"/> as JSON when --json is on, otherwise runs <paramref name="writeText"/>.</summary>
    public void Write<T>(T result, JsonTypeInfo<T> typeInfo, Action<TextWriter> writeText)
    {
        if (Json)
            console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(result, typeInfo));
        else
            writeText(console.Out);
        console.Out.Flush();
    }

    /// <summary>Reports an error on standard error (and as JSON on standard output with --json); returns its exit code.</summary>
    public int Error(CmaErrorKind kind, string message)
    {
        int exitCode = ExitCodes.For(kind);
        console.Error.WriteLine($"cmatool: {message}");
        console.Error.Flush();
        if (Json)
        {
            var document = new ErrorDocument(new ErrorJson(ErrorKindNames.Of(kind), message, exitCode));
            console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(document, ToolJsonContext.Styled.ErrorDocument));
            console.Out.Flush();
        }
        return exitCode;
    }
}
