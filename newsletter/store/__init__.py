"""SQL store: tables (one module per stage), engine and migrations.

Importing this package registers every table on ``Base.metadata``.
"""

from newsletter.store import access as access
from newsletter.store import assemblies as assemblies
from newsletter.store import audience as audience
from newsletter.store import clicks as clicks
from newsletter.store import delivery as delivery
from newsletter.store import editorial as editorial
from newsletter.store import intake as intake
from newsletter.store import mailinglist as mailinglist
from newsletter.store.base import Base as Base
