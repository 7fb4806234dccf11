"""The bot's training data in the database: import, export, edit with history, diff.

The database is where staff edit; the Rasa YAML in `data/nlu/` and the
responses of `bot/domain.yml` are where git and `rasa train` read. Import
replaces the database's state with the files, export writes the files from
the database, and the pair is lossless (services/teaching/training_yaml.py says how).

Every edit writes one immutable `TrainingRevision` in the same transaction.
"Pending changes" compare the current export with the newest snapshot (taken
at import, at export to `data/` and when a model is trained).

One module per job: `views` (what callers get), `files` (the YAML on disk),
`state` (rows, revisions, snapshots), `transfer` (import/export), `pending`,
`browsing`, `items` (examples and items) and `responses`. Callers use this
package's names (`from services.teaching import training_data as td`).
"""

from services.teaching.training_data.browsing import get_item, history, list_items, search
from services.teaching.training_data.files import read_directory, write_directory
from services.teaching.training_data.items import (
    DEFAULT_NLU_FILE,
    FAQ_FILE,
    add_example,
    delete_example,
    delete_item,
    edit_example,
)
from services.teaching.training_data.naming import check_new_intent_name, edit_distance
from services.teaching.training_data.pending import pending_changes, pending_diff
from services.teaching.training_data.responses import set_faq_answer, set_response
from services.teaching.training_data.state import add_snapshot, export_files, snapshot_files, take_snapshot
from services.teaching.training_data.transfer import (
    NothingLoaded,
    PendingChanges,
    export_directory,
    has_data,
    import_directory,
    import_files,
    seed_if_empty,
)
from services.teaching.training_data.views import (
    Change,
    ExampleView,
    ImportSummary,
    ItemView,
    RevisionView,
    SearchHit,
    plain_text,
)

__all__ = [
    "DEFAULT_NLU_FILE",
    "FAQ_FILE",
    "Change",
    "ExampleView",
    "ImportSummary",
    "ItemView",
    "NothingLoaded",
    "PendingChanges",
    "RevisionView",
    "SearchHit",
    "add_example",
    "add_snapshot",
    "check_new_intent_name",
    "delete_example",
    "delete_item",
    "edit_distance",
    "edit_example",
    "export_directory",
    "export_files",
    "get_item",
    "has_data",
    "history",
    "import_directory",
    "import_files",
    "list_items",
    "pending_changes",
    "pending_diff",
    "plain_text",
    "read_directory",
    "search",
    "seed_if_empty",
    "set_faq_answer",
    "set_response",
    "snapshot_files",
    "take_snapshot",
    "write_directory",
]
