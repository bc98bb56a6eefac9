"""Every metric the training runner produces, declared once: which way is better, and what it
means. Judges read the direction from here (a rise of a loss is a regression, of an accuracy
an improvement; a directionless metric's move is drift), and claim files are checked against
these names on load. The runner's tests check that it produces nothing undeclared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Better = Literal["higher", "lower", "none"]


@dataclass(frozen=True)
class Metric:
    better: Better
    meaning: str


METRICS: dict[str, Metric] = {
    # evaluated after training, in inference mode (dropout off)
    "train_accuracy": Metric("higher", "accuracy on the training set"),
    "train_loss": Metric("lower", "loss on the training set"),
    "val_accuracy": Metric("higher", "accuracy on the validation data (also a history curve)"),
    "val_loss": Metric("lower", "loss on the validation data (also a history curve)"),
    "test_accuracy": Metric("higher", "accuracy on the test set (a committee's: its vote)"),
    "test_loss": Metric("lower", "loss on the test set"),
    "train_accuracy_augmented": Metric("higher", "accuracy on the augmented training images"),
    "train_val_gap": Metric("lower", "augmented training accuracy minus validation accuracy"),
    "gap_accuracy": Metric("lower", "training minus test accuracy: the overfitting gap"),
    "gap_loss": Metric("lower", "test minus training loss"),
    # from the test set's class probabilities
    "nll": Metric("lower", "mean negative log likelihood of the true class"),
    "top_prob_all": Metric("none", "mean top-class probability over the test set"),
    "top_prob_wrong": Metric("none", "mean top-class probability of the wrong predictions"),
    "wrong_count": Metric("lower", "misclassified test samples"),
    "n_test": Metric("none", "test samples evaluated"),
    # from the training history
    "lr_reductions": Metric("none", "times the learning rate was cut"),
    "lr_final_ratio": Metric("none", "last learning rate over the first"),
    "lr_schedule_wrong_epochs": Metric("lower", "epochs whose rate breaks the schedule's rule"),
    "lr_first_reduction_epoch": Metric("none", "epoch of the first learning-rate cut"),
    "lr_reduction_factor": Metric("none", "mean factor of the cuts not clipped at min_lr"),
    "val_loss_best_epoch": Metric("none", "epoch of the lowest validation loss"),
    "val_loss_rise": Metric("lower", "last validation loss minus its lowest"),
    "val_accuracy_best": Metric("higher", "highest validation accuracy of any epoch"),
    # committees
    "member_accuracy": Metric("higher", "test accuracy of each member, in a committee's run"),
    "committee_nll": Metric("lower", "the committee's negative log likelihood"),
    "member_mean_accuracy": Metric("higher", "mean test accuracy of the members"),
    "member_best_accuracy": Metric("higher", "test accuracy of the best member"),
    "member_worst_accuracy": Metric("higher", "test accuracy of the worst member"),
    "member_mean_nll": Metric("lower", "mean negative log likelihood of the members"),
    "member_best_nll": Metric("lower", "the lowest negative log likelihood of any member"),
    "committee_gain": Metric("higher", "committee accuracy minus the members' mean"),
    "committee_vs_best": Metric("higher", "committee accuracy minus the best member's"),
    "nll_gain": Metric("higher", "members' mean log loss minus the committee's"),
    # Keras history curves (learning-curve claims), epoch by epoch
    "accuracy": Metric("higher", "training accuracy per epoch (dropout on)"),
    "loss": Metric("lower", "training loss per epoch"),
    "learning_rate": Metric("none", "the optimizer's learning rate per epoch"),
}
