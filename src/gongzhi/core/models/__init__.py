from gongzhi.core.models.audit import AuditChainHead, AuditEvent
from gongzhi.core.models.calendar import CalendarDay

__all__ = ["AuditChainHead", "AuditEvent", "CalendarDay"]
