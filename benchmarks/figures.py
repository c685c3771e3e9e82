"""How the indicators and export benchmarks write their figures."""


def seconds(value: float) -> str:
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"


def ratio(value: float) -> str:
    return f"{value:.2f} ×"


def megabytes(value: float) -> str:
    return f"{value:,.0f} MB"
