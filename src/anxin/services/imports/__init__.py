"""Imports of persons (with their enrolment), settlements, group-cover claims and the long-term care
registers and bills (assessments, care providers, care bills) and life policies (with beneficiaries) from CSV, Excel and Parquet files.

All or nothing per file; idempotent (a file's hash, each row's natural key); rejected rows kept as
the import's problems (row, column, masked value, reason in Chinese and English); bulk writes
(``COPY`` on PostgreSQL); one audit entry per import; ID numbers stored only protected.
"""

from anxin.services.imports.batches import ImportSummary, UnknownImport, import_batch, import_problems
from anxin.services.imports.beneficiaries import import_beneficiaries
from anxin.services.imports.care import import_assessments, import_care_bills, import_providers
from anxin.services.imports.claims import import_claims
from anxin.services.imports.persons import import_persons
from anxin.services.imports.policies import import_policies
from anxin.services.imports.runner import ImportConflict, Progress
from anxin.services.imports.settlements import import_settlements

__all__ = [
    "ImportConflict",
    "ImportSummary",
    "Progress",
    "UnknownImport",
    "import_assessments",
    "import_batch",
    "import_beneficiaries",
    "import_care_bills",
    "import_claims",
    "import_persons",
    "import_policies",
    "import_problems",
    "import_providers",
    "import_settlements",
]
