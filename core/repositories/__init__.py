"""All SQL of Credence: one module per aggregate; services call these, never SQL directly."""
