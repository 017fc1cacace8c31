namespace CmaBroker.Doe.Errors;

/// <summary>Base of every typed CmaBroker error; <see cref="Kind"/> drives exit codes and D-Bus error names.</summary>
public class CmaException : Exception
{
    public CmaException(CmaErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public CmaErrorKind Kind { get; }
}
