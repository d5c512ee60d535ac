"""What the case engine tells other parts of the platform (the classifier records its
proposals and the dispatcher's answers through these), without depending on them."""

from django.dispatch import Signal

# A new case was registered: kwargs case, actor.
case_received = Signal()
# A dispatcher sent a case on with this category (confirmed or corrected): kwargs case, actor, previous.
category_confirmed = Signal()
# Any action was taken: kwargs case, step (the Step written), transition, actor.
transitioned = Signal()
# One tick of the background sweep loop finished: kwargs now. Periodic work hangs off it.
swept = Signal()
